// A worker with a named entrypoint (Api) and a class default export, the
// way Cloudflare's templates write them: called by ../caller over RPC.
import { WorkerEntrypoint, RpcTarget, env as moduleEnv } from "cloudflare:workers";

type Env = { GREETING: string };

// env from cloudflare:workers is usable at the top level.
const greetingAtTopLevel = (moduleEnv as unknown as Env).GREETING;

class Counter extends RpcTarget {
  #n = 0;
  increment(by = 1) {
    this.#n += by;
    return this.#n;
  }
  get value() {
    return this.#n;
  }
}

class MyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MyError";
  }
}

export class Api extends WorkerEntrypoint<Env> {
  add(a: number, b: number) {
    return a + b;
  }
  greet(name: string) {
    return `${this.env.GREETING}, ${name} (at the top level: ${greetingAtTopLevel})`;
  }
  getCounter() {
    return new Counter();
  }
  async callBack(fn: (x: number) => Promise<number>, x: number) {
    return (await fn(x * 2)) * 10;
  }
  echo<T>(v: T): T {
    return v;
  }
  fail() {
    throw new RangeError("out of range");
  }
  failCustom() {
    throw new MyError("custom failure");
  }
  async sumStream(stream: ReadableStream<Uint8Array>) {
    let text = "";
    let bytes = 0;
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      bytes += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
    }
    return { bytes, text };
  }
  makeStream(n: number) {
    const encoder = new TextEncoder();
    let i = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === n) return controller.close();
        controller.enqueue(encoder.encode(`chunk${i++};`));
      },
    });
  }
  async writeTo(writable: WritableStream<Uint8Array>) {
    const writer = writable.getWriter();
    await writer.write(new TextEncoder().encode("written "));
    await writer.write(new TextEncoder().encode("by the callee"));
    await writer.close();
    return "done";
  }
  async handle(request: Request) {
    return new Response(`${request.method} ${request.url} ${await request.text()}`, {
      status: 201,
      headers: { "x-handled-by": "rpc-callee" },
    });
  }
  async fetch(request: Request) {
    return new Response("Api fetch " + new URL(request.url).pathname);
  }
}

export default class extends WorkerEntrypoint<Env> {
  async fetch() {
    return new Response(`default fetch, ${this.env.GREETING}`);
  }
  ping() {
    return "pong";
  }
}

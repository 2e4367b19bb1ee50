// Calls ../callee over RPC; each route answers what one feature gave.
import { waitUntil, WorkerEntrypoint, exports as moduleExports } from "cloudflare:workers";

// An entrypoint of this worker itself, reached through ctx.exports.
export class Helper extends WorkerEntrypoint {
  double(n: number) {
    return n * 2;
  }
}

interface Counter {
  increment(by?: number): Promise<number>;
  value: Promise<number>;
  [Symbol.dispose](): void;
}

type Api = {
  add(a: number, b: number): Promise<number>;
  greet(name: string): Promise<string>;
  getCounter(): Promise<Counter> & Counter;
  callBack(fn: (x: number) => Promise<number>, x: number): Promise<number>;
  echo<T>(v: T): Promise<T>;
  fail(): Promise<never>;
  failCustom(): Promise<never>;
  sumStream(s: ReadableStream): Promise<{ bytes: number; text: string }>;
  makeStream(n: number): Promise<ReadableStream>;
  writeTo(w: WritableStream): Promise<string>;
  handle(r: Request): Promise<Response>;
  nope(): Promise<unknown>;
  env: Promise<unknown>;
  fetch(input: string): Promise<Response>;
};

type Env = { API: Api; DEFAULT: { ping(): Promise<string>; fetch(input: string): Promise<Response> } };

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
    return "no error";
  } catch (e) {
    const err = e as Error;
    return `${err.constructor.name} ${err.name}: ${err.message}`;
  }
}

const routes: Record<string, (env: Env, ctx: ExecutionContext) => Promise<unknown>> = {
  async add(env) {
    return await env.API.add(2, 3);
  },
  async greet(env) {
    return await env.API.greet("world");
  },
  async pipeline(env) {
    // Without awaiting getCounter() first: the call pipelines.
    return await env.API.getCounter().increment(5);
  },
  async counter(env) {
    const c = await env.API.getCounter();
    await c.increment();
    await c.increment(2);
    return await c.value;
  },
  async callback(env) {
    return await env.API.callBack(async (x) => x + 1, 10);
  },
  async types(env) {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const sent = {
      date: new Date(Date.UTC(2025, 0, 2)),
      map: new Map([["a", 1]]),
      set: new Set([1, 2]),
      big: 2n ** 70n,
      bytes: new Uint16Array([1, 2, 65535]),
      nested: { list: [1, "two", null, undefined, NaN, -0, Infinity] },
      regexp: /a+b/gi,
      cyclic,
    };
    const got = await env.API.echo(sent);
    return {
      date: got.date instanceof Date && got.date.getTime() === sent.date.getTime(),
      map: got.map instanceof Map && got.map.get("a") === 1,
      set: got.set instanceof Set && got.set.has(2),
      big: got.big === sent.big,
      bytes: got.bytes instanceof Uint16Array && got.bytes.join() === "1,2,65535",
      nested: Object.is(got.nested.list[5], -0) && Number.isNaN(got.nested.list[4]) && got.nested.list[3] === undefined &&
        got.nested.list.length === 7 && got.nested.list[6] === Infinity,
      regexp: got.regexp instanceof RegExp && got.regexp.flags === "gi",
      cyclic: got.cyclic.self === got.cyclic,
    };
  },
  async errors(env) {
    return [await errorOf(env.API.fail()), await errorOf(env.API.failCustom())];
  },
  async unknown(env) {
    return [await errorOf(env.API.nope()), await errorOf(env.API.env), await errorOf(env.API.echo(new (class Foo {})()))];
  },
  async streams(env) {
    const encoder = new TextEncoder();
    const sent = new ReadableStream({
      start(c) {
        c.enqueue(encoder.encode("one "));
        c.enqueue(encoder.encode("two"));
        c.close();
      },
    });
    const sum = await env.API.sumStream(sent);
    const received = await new Response(await env.API.makeStream(3)).text();
    const { readable, writable } = new TransformStream();
    const [done, written] = await Promise.all([env.API.writeTo(writable), new Response(readable).text()]);
    return { sum, received, done, written };
  },
  async request(env) {
    const res = await env.API.handle(new Request("https://example.test/path", { method: "POST", body: "payload" }));
    return { status: res.status, header: res.headers.get("x-handled-by"), body: await res.text() };
  },
  async dispose(env) {
    let kept: Counter;
    {
      // `using` disposes the stub at the end of the block.
      using counter = await env.API.getCounter();
      kept = counter;
      await counter.increment();
    }
    return await errorOf(kept.increment());
  },
  async entrypoints(env) {
    const api = await (await env.API.fetch("https://rpc.test/p")).text();
    const def = await (await env.DEFAULT.fetch("https://rpc.test/")).text();
    return { api, def, ping: await env.DEFAULT.ping() };
  },
  async loopback(env, ctx) {
    const viaCtx = await (ctx.exports as any).Helper.double(21);
    const viaModule = await (moduleExports as any).Helper.double(4);
    const names = Object.keys(ctx.exports as object).sort();
    return { viaCtx, viaModule, names };
  },
  async waituntil() {
    waitUntil(new Promise((resolve) => setTimeout(resolve, 5)));
    return "ok";
  },
};

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const name = new URL(request.url).pathname.slice(1);
    const route = routes[name];
    if (!route) return new Response("not found", { status: 404 });
    return Response.json(await route(env, ctx));
  },
};

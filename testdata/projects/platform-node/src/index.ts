import { Buffer } from "node:buffer";
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, createHmac, randomBytes } from "node:crypto";
import EventEmitter from "events";
import path from "node:path";

type Ctx = { requestId: string; log: string[] };
const als = new AsyncLocalStorage<Ctx>();

function log(msg: string) {
  // Deep in a call stack with no request passed down, as libraries do.
  als.getStore()?.log.push(`${als.getStore()?.requestId}:${msg}`);
}

async function slowLookup(ms: number): Promise<string> {
  log("lookup start");
  await new Promise((r) => setTimeout(r, ms));
  log("lookup done");
  return als.getStore()!.requestId;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/buffer": {
        const s = url.searchParams.get("s") ?? "";
        const b = Buffer.from(s);
        return Response.json({
          hex: b.toString("hex"),
          base64: b.toString("base64"),
          base64url: Buffer.from(s).toString("base64url"),
          roundTrip: Buffer.from(b.toString("base64"), "base64").toString("utf8"),
          bytes: Buffer.byteLength(s),
          sha256: createHash("sha256").update(s).digest("hex"),
          hmac: createHmac("sha256", "key").update(s).digest("base64"),
          random: randomBytes(8).length,
          ext: path.extname("/a/b/file.tar.gz"),
          isBuffer: Buffer.isBuffer(b) && typeof globalThis.Buffer === "function",
        });
      }
      case "/als": {
        const id = url.searchParams.get("id") ?? "?";
        const delay = Number(url.searchParams.get("delay") ?? "0");
        return als.run({ requestId: id, log: [] }, async () => {
          const seen = await slowLookup(delay);
          const emitter = new EventEmitter();
          const fromEvent = new Promise<string>((resolve) => emitter.once("done", () => resolve(als.getStore()!.requestId)));
          setTimeout(() => emitter.emit("done"), 1);
          const afterEvent = await fromEvent;
          return Response.json({ id, seen, afterEvent, log: als.getStore()!.log, outside: als.exit(() => als.getStore()) ?? null });
        });
      }
      case "/env":
        return new Response(`${process.env.GREETING}|${typeof process.env.MISSING}`);
    }
    return new Response("not found", { status: 404 });
  },
};

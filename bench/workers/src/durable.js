// Durable Objects through RPC: GET /one increments a counter in one
// object, GET /many in one of 1,000 objects in turn. Each increment is a
// storage write (ctx.storage.put) whose result the response waits for.
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async increment() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }
}

let i = 0;

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    let name;
    if (pathname === "/one") name = "one";
    else if (pathname === "/many") name = `object-${i++ % 1000}`;
    else return new Response("not found", { status: 404 });
    const n = await env.COUNTER.getByName(name).increment();
    return new Response(String(n));
  },
};

import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // In memory only: lost when the object is evicted or moves.
    this.instance = crypto.randomUUID();
    this.hits = 0;
    ctx.blockConcurrencyWhile(async () => {
      this.incarnation = ((await ctx.storage.get("incarnation")) ?? 0) + 1;
      await ctx.storage.put("incarnation", this.incarnation);
    });
  }

  state(count) {
    return { node: this.env.NODE, instance: this.instance, incarnation: this.incarnation, hits: this.hits, count };
  }

  async increment() {
    this.hits++;
    const count = ((await this.ctx.storage.get("count")) ?? 0) + 1;
    await this.ctx.storage.put("count", count);
    return this.state(count);
  }

  async peek() {
    return this.state((await this.ctx.storage.get("count")) ?? 0);
  }

  async webSocketMessage(ws, message) {
    this.hits++;
    ws.send(`${this.env.NODE} ${this.instance} ${message} sockets=${this.ctx.getWebSockets().length}`);
  }

  async armAlarm(ms) {
    await this.ctx.storage.setAlarm(Date.now() + ms);
    return this.state(null);
  }

  // A slow alarm: its first attempt waits a minute, so that a node can
  // die while it runs.
  async armSlowAlarm(ms) {
    await this.ctx.storage.put("slow", true);
    return this.armAlarm(ms);
  }

  // Each run records the node it ran on: one run per alarm, fleet-wide.
  async alarm(info) {
    const nodes = (await this.ctx.storage.get("alarmNodes")) ?? [];
    nodes.push(this.env.NODE);
    await this.ctx.storage.put("alarmNodes", nodes);
    if (await this.ctx.storage.get("slow")) {
      const log = async (what) => {
        const entries = (await this.ctx.storage.get("slowLog")) ?? [];
        entries.push(`${this.env.NODE}:${what}:${info.retryCount}:${await this.ctx.storage.getAlarm()}`);
        await this.ctx.storage.put("slowLog", entries);
      };
      await log("start");
      if (!info.isRetry) await new Promise((resolve) => setTimeout(resolve, 60000));
      await log("done");
    }
  }

  async slowLog() {
    return (await this.ctx.storage.get("slowLog")) ?? [];
  }

  async alarmRuns() {
    return (await this.ctx.storage.get("alarmNodes")) ?? [];
  }

  async fail() {
    throw new RangeError("counter overflow");
  }

  // stub.fetch(): a WebSocket upgrade joins the object's sockets (each
  // message is answered with the node and the object's state); any other
  // request is echoed, with the object's state.
  async fetch(request) {
    this.hits++;
    if (request.headers.get("Upgrade") === "websocket") {
      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server);
      return new Response(null, { status: 101, webSocket: client });
    }
    const url = new URL(request.url);
    if (url.pathname === "/throw") throw new TypeError("fetch threw");
    return Response.json({ ...this.state(null), method: request.method, path: url.pathname, body: await request.text(), header: request.headers.get("x-test") },
      { status: 201, headers: { "x-object": "counter" } });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, op, name] = url.pathname.split("/");
    if (!name) return new Response("usage: /inc|peek|fail|echo/NAME", { status: 400 });
    const stub = env.COUNTER.getByName(name);
    switch (op) {
      case "inc":
        return Response.json(await stub.increment());
      case "peek":
        return Response.json(await stub.peek());
      case "arm":
        return Response.json(await stub.armAlarm(Number(url.searchParams.get("ms"))));
      case "alarms":
        return Response.json(await stub.alarmRuns());
      case "slow":
        return Response.json(await stub.armSlowAlarm(Number(url.searchParams.get("ms"))));
      case "slowlog":
        return Response.json(await stub.slowLog());
      case "fail":
        try {
          await stub.fail();
          return new Response("no error", { status: 500 });
        } catch (e) {
          return Response.json({ name: e.name, message: e.message, isRangeError: e instanceof RangeError, remote: e.remote, retryable: e.retryable ?? false });
        }
      case "throw":
        try {
          await stub.fetch("https://object/throw");
          return new Response("no error", { status: 500 });
        } catch (e) {
          return Response.json({ name: e.name, message: e.message, remote: e.remote, retryable: e.retryable ?? false });
        }
      case "echo":
      case "ws":
        return stub.fetch(request);
    }
    return new Response("not found", { status: 404 });
  },
};

import { DurableObject } from "cloudflare:workers";

type Env = { COUNTER: DurableObjectNamespace<Counter>; LEGACY: DurableObjectNamespace };

export class Counter extends DurableObject<Env> {
  // In-memory state: kept while the object lives, rebuilt from storage.
  count = 0;
  loaded: Promise<void>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS visits (n INTEGER, at TEXT)");
    this.loaded = ctx.blockConcurrencyWhile(async () => {
      this.count = (await ctx.storage.get<number>("count")) ?? 0;
    });
  }

  async increment(by = 1) {
    this.count += by;
    await this.ctx.storage.put("count", this.count);
    this.ctx.storage.sql.exec("INSERT INTO visits (n, at) VALUES (?, ?)", this.count, "now");
    return this.count;
  }

  async info() {
    const rows = this.ctx.storage.sql.exec("SELECT count(*) AS visits, max(n) AS top FROM visits").one();
    return { id: this.ctx.id.toString(), name: this.ctx.id.name ?? null, count: this.count, ...rows };
  }

  async storageTour() {
    const s = this.ctx.storage;
    await s.put({ "a:1": 1, "a:2": { nested: [1, 2] }, "a:3": new Date(0), "b:1": new Uint8Array([7]) });
    const some = await s.get(["a:2", "missing", "a:1"]);
    const ranged = [...(await s.list({ prefix: "a:", reverse: true, limit: 2 })).keys()];
    const after = [...(await s.list({ startAfter: "a:1", end: "b:1" })).keys()];
    const deleted = await s.delete(["a:1", "nope"]);
    let rolledBack: unknown;
    try {
      await s.transaction(async (txn) => {
        await txn.put("a:9", 9);
        throw new Error("abort the transaction");
      });
    } catch (e) {
      rolledBack = await s.get("a:9");
    }
    const errors: string[] = [];
    for (const f of [
      () => s.put("k".repeat(2049), 1),
      () => s.put("big", "x".repeat(200 * 1024)),
      () => s.put("fn", () => 1),
      () => s.get(Array.from({ length: 129 }, (_, i) => `k${i}`)),
    ]) {
      try {
        await f();
        errors.push("no error");
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    return {
      some: Object.fromEntries(some),
      ranged,
      after,
      deleted,
      rolledBack: rolledBack === undefined ? "gone" : rolledBack,
      date: (await s.get("a:3")) instanceof Date,
      bytes: Array.from((await s.get("b:1")) as Uint8Array),
      errors,
    };
  }

  async armAlarm(ms: number) {
    await this.ctx.storage.setAlarm(Date.now() + ms);
    return await this.ctx.storage.getAlarm() !== null;
  }

  async alarm(info: { retryCount: number; isRetry: boolean }) {
    const fired = ((await this.ctx.storage.get<number>("alarms")) ?? 0) + 1;
    await this.ctx.storage.put("alarms", fired);
    await this.ctx.storage.put("alarmInfo", info);
  }

  async alarmState() {
    return { fired: (await this.ctx.storage.get("alarms")) ?? 0, info: (await this.ctx.storage.get("alarmInfo")) ?? null, pending: await this.ctx.storage.getAlarm() };
  }

  async fail() {
    throw new RangeError("inside the object");
  }

  async reset() {
    this.ctx.abort("reset by the test");
  }

  async fetch(request: Request) {
    if (new URL(request.url).pathname === "/throw") throw new TypeError("fetch threw");
    return new Response(`fetch in ${this.ctx.id.name}: ${new URL(request.url).pathname} count=${this.count}`);
  }
}

export class Legacy extends DurableObject<Env> {
  async tryTour() {
    await this.ctx.storage.put("x", 1);
    try {
      this.ctx.storage.sql;
      return "sql available";
    } catch (e) {
      return `${await this.ctx.storage.get("x")} ${(e as Error).message}`;
    }
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(request.url);
    const [, action, name] = url.pathname.split("/");
    const stub = env.COUNTER.getByName(name ?? "default");
    const json = (v: unknown) => Response.json(v);
    switch (action) {
      case "inc":
        return json(await stub.increment(Number(url.searchParams.get("by") ?? 1)));
      case "pipeline":
        return json(await env.COUNTER.get(env.COUNTER.idFromName(name)).increment());
      case "info":
        return json(await stub.info());
      case "fetch":
        return stub.fetch("https://object/hello");
      case "tour":
        return json(await stub.storageTour());
      case "alarm":
        return json(await stub.armAlarm(Number(url.searchParams.get("ms") ?? 100)));
      case "alarm-state":
        return json(await stub.alarmState());
      case "fail":
      case "fail-fetch":
      case "reset":
        // What a caller sees of an exception inside the object, with the
        // properties Cloudflare sets on it.
        try {
          if (action === "fail") await stub.fail();
          else if (action === "reset") await stub.reset();
          else await stub.fetch("https://object/throw");
          return json("no error");
        } catch (e: any) {
          const props = ["remote", "retryable", "overloaded", "durableObjectReset"].map((p) => `${p}=${e[p]}`).join(" ");
          return json(`${e.name}: ${e.message} ${props}`);
        }
      case "ids": {
        const a = env.COUNTER.idFromName("x");
        const b = env.COUNTER.idFromString(a.toString());
        const u = env.COUNTER.newUniqueId();
        const errors = [];
        for (const bad of ["zz", env.LEGACY.idFromName("x").toString()]) {
          try {
            env.COUNTER.idFromString(bad);
            errors.push("accepted");
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
        return json({ len: a.toString().length, equal: a.equals(b), stable: a.toString() === env.COUNTER.idFromName("x").toString(), name: a.name, unique: u.toString() !== a.toString(), errors });
      }
      case "self":
        // ctx.exports has a namespace for each of the worker's classes.
        return json(await (ctx.exports as any).Counter.getByName("self").increment());
      case "legacy":
        return json(await env.LEGACY.getByName("l").tryTour());
    }
    return new Response("not found", { status: 404 });
  },
};

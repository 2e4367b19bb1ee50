// Node-only: drives the host hooks (init/fetch/scheduled) the way Go does.
const { hooks, hostStream, hostStreamState, waitUntils } = __node;
const dec = (u8) => new TextDecoder().decode(u8);

async function drain(body) {
  if (body === null || body instanceof Uint8Array) return body;
  const parts = [];
  for (;;) {
    const c = await body.read();
    if (c === null) break;
    parts.push(...c);
  }
  return new Uint8Array(parts);
}

function initModules(def, bindings = {}) {
  globalThis.__outpost_entry = { default: def };
  hooks.init({ format: "modules", bindings });
}

const req = (over = {}) => ({ method: "GET", url: "https://w.example/path?q=1", headers: [["host", "w.example"], ["x-a", "1"]], body: null, cf: { colo: "TST" }, ...over });

test("modules fetch: request, env and ctx reach the handler; bytes come back", async () => {
  let seen;
  initModules({
    fetch(request, env, ctx) {
      seen = { method: request.method, url: request.url, xa: request.headers.get("X-A"), env: env.GREETING, cf: request.cf.colo, redirect: request.redirect };
      ctx.waitUntil(Promise.resolve("later"));
      return new Response("hello " + env.GREETING, { status: 201, headers: { "x-out": "y" } });
    },
  }, { GREETING: "world" });
  assert.equal(globalThis.__outpost_entry, undefined);
  const res = await hooks.fetch(req(), 7);
  assert.deepEqual(seen, { method: "GET", url: "https://w.example/path?q=1", xa: "1", env: "world", cf: "TST", redirect: "manual" });
  assert.equal(res.status, 201);
  assert.ok(res.body instanceof Uint8Array);
  assert.equal(dec(res.body), "hello world");
  assert.deepEqual(res.headers, [["x-out", "y"], ["content-type", "text/plain;charset=UTF-8"]]);
  assert.equal(waitUntils[waitUntils.length - 1].ctxId, 7);
});

test("incoming request headers are immutable and the body streams from the host", async () => {
  initModules({
    async fetch(request) {
      assert.throws(() => request.headers.set("x", "y"), TypeError);
      return new Response(await request.text());
    },
  });
  const sid = hostStream(["ab", "cd"]);
  const res = await hooks.fetch(req({ method: "POST", body: sid }), 1);
  assert.equal(dec(res.body), "abcd");
});

test("streamed response bodies come back as a pull object", async () => {
  initModules({
    fetch() {
      const { readable, writable } = new TransformStream();
      const w = writable.getWriter();
      w.write(new TextEncoder().encode("one,"));
      w.write(new TextEncoder().encode("two"));
      w.close();
      return new Response(readable);
    },
  });
  const res = await hooks.fetch(req(), 1);
  assert.equal(typeof res.body.read, "function");
  assert.equal(dec(await drain(res.body)), "one,two");
});

test("proxying a host body passes the host stream through", async () => {
  initModules({ fetch(request) { return new Response(request.body); } });
  const sid = hostStream(["x", "y"]);
  const res = await hooks.fetch(req({ method: "POST", body: sid }), 1);
  assert.equal(dec(await drain(res.body)), "xy");
});

test("a non-Response result is a TypeError; errors propagate", async () => {
  initModules({ fetch() { return "nope"; } });
  await assert.rejects(hooks.fetch(req(), 1), /did not resolve to 'Response'/);
  initModules({ async fetch() { throw new Error("handler broke"); } });
  await assert.rejects(hooks.fetch(req(), 1), /handler broke/);
});

test("passThroughOnException turns a failure into passThrough", async () => {
  initModules({ fetch(r, env, ctx) { ctx.passThroughOnException(); throw new Error("x"); } });
  assert.deepEqual(await hooks.fetch(req(), 1), { passThrough: true });
});

test("class default export is constructed with (ctx, env)", async () => {
  class Entry {
    constructor(ctx, env) { this.env = env; this.ctx = ctx; }
    fetch(request) { return new Response(this.env.V + typeof this.ctx.waitUntil); }
  }
  initModules(Entry, { V: "v" });
  assert.equal(dec((await hooks.fetch(req(), 1)).body), "vfunction");
});

test("init rejects a module without a fetch handler", () => {
  globalThis.__outpost_entry = { default: { scheduled() {} } };
  assert.throws(() => hooks.init({ format: "modules", bindings: {} }), /no fetch handler/);
});

test("modules scheduled gets controller, env, ctx and reports noRetry", async () => {
  let seen;
  initModules({
    fetch() { return new Response(""); },
    scheduled(controller, env) {
      seen = [controller.cron, controller.scheduledTime, controller.type, env.K];
      controller.noRetry();
    },
  }, { K: "k" });
  assert.deepEqual(await hooks.scheduled({ cron: "*/5 * * * *", scheduledTime: 1000 }, 3), { noRetry: true });
  assert.deepEqual(seen, ["*/5 * * * *", 1000, "scheduled", "k"]);
});

test("binding factories build env entries", async () => {
  // registerBindingFactory is internal; a vars-only env still passes values through.
  initModules({ fetch(r, env) { return Response.json(env); } }, { A: "s", B: { json: true } });
  assert.equal(dec((await hooks.fetch(req(), 1)).body), "{\"A\":\"s\",\"B\":{\"json\":true}}");
  globalThis.__outpost_entry = { default: { fetch() {} } };
  assert.throws(() => hooks.init({ format: "modules", bindings: { X: { __kind: "unknown-kind" } } }), /unknown-kind/);
});

test("service-worker: FetchEvent listeners, respondWith, globals for bindings", async () => {
  const listener = (event) => {
    assert.ok(event instanceof FetchEvent);
    event.respondWith(Promise.resolve(new Response("sw " + SW_VAR + " " + new URL(event.request.url).pathname)));
  };
  addEventListener("fetch", listener);
  hooks.init({ format: "service-worker", bindings: { SW_VAR: "v" } });
  assert.equal(dec((await hooks.fetch(req(), 1)).body), "sw v /path");
  removeEventListener("fetch", listener);
});

test("service-worker: no respondWith means passThrough; scheduled events", async () => {
  const noop = () => {};
  addEventListener("fetch", noop);
  hooks.init({ format: "service-worker", bindings: {} });
  assert.deepEqual(await hooks.fetch(req(), 1), { passThrough: true });
  let cron;
  const onSched = (e) => { cron = e.cron; e.noRetry(); };
  addEventListener("scheduled", onSched);
  assert.deepEqual(await hooks.scheduled({ cron: "0 0 * * *", scheduledTime: 5 }, 2), { noRetry: true });
  assert.equal(cron, "0 0 * * *");
  removeEventListener("fetch", noop);
  removeEventListener("scheduled", onSched);
  assert.throws(() => hooks.init({ format: "service-worker", bindings: {} }), /no "fetch" event listener/);
});

test("request body sid is cancelled when the response is cancelled", async () => {
  initModules({ fetch(request) { return new Response(request.body); } });
  const sid = hostStream(["a", "b", "c"]);
  const res = await hooks.fetch(req({ method: "POST", body: sid }), 1);
  await res.body.read();
  res.body.cancel();
  assert.equal(hostStreamState(sid).canceled, true);
});

test("service-worker: respondWith after the listener returned is an InvalidStateError", async () => {
  let late;
  const listener = (event) => {
    setTimeout(() => {
      try {
        event.respondWith(new Response("late"));
      } catch (e) {
        late = e;
      }
    }, 0);
  };
  addEventListener("fetch", listener);
  hooks.init({ format: "service-worker", bindings: {} });
  assert.deepEqual(await hooks.fetch(req(), 1), { passThrough: true });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(late?.name, "InvalidStateError");
  removeEventListener("fetch", listener);
});

test("an untouched request body is handed back as the host stream (no JS pumping)", async () => {
  let bodyAfter;
  initModules({
    fetch(request) {
      const res = new Response(request.body, { status: 200 });
      bodyAfter = request.bodyUsed;
      return res;
    },
  });
  const sid = hostStream(["p", "q"]);
  const res = await hooks.fetch(req({ method: "POST", body: sid }), 1);
  assert.equal(bodyAfter, true, "the request body counts as used");
  const first = await res.body.read();
  assert.equal(dec(first), "p");
  assert.equal(hostStreamState(sid).chunks.length, 1, "read straight from the host stream");
});

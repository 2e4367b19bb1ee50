const { AsyncLocalStorage, AsyncResource } = __outpost_require("node:async_hooks");

// What esbuild emits for an async function when async/await is lowered
// (as the bundler does with nodejs_compat): continuations go through then().
function lowered(gen) {
  return new Promise((resolve, reject) => {
    const step = (r) => (r.done ? resolve(r.value) : Promise.resolve(r.value).then(ok, fail));
    const ok = (v) => { try { step(it.next(v)); } catch (e) { reject(e); } };
    const fail = (e) => { try { step(it.throw(e)); } catch (x) { reject(x); } };
    const it = gen();
    ok(undefined);
  });
}

test("run/getStore in synchronous code, nested and exited", () => {
  const als = new AsyncLocalStorage();
  assert.equal(als.getStore(), undefined);
  const seen = als.run({ id: 1 }, () => {
    const inner = als.run({ id: 2 }, () => als.getStore().id);
    const exited = als.exit(() => als.getStore());
    return [als.getStore().id, inner, exited];
  });
  assert.deepEqual(seen, [1, 2, undefined]);
  assert.equal(als.getStore(), undefined);
});

test("the store follows then() continuations, timers and microtasks", async () => {
  const als = new AsyncLocalStorage();
  const got = await als.run("ctx", () => Promise.all([
    Promise.resolve().then(() => als.getStore()),
    new Promise((r) => setTimeout(() => r(als.getStore()), 1)),
    new Promise((r) => queueMicrotask(() => r(als.getStore()))),
    new Promise((r) => process.nextTick(() => r(als.getStore()))),
    Promise.reject(new Error("x")).catch(() => als.getStore()),
  ]));
  assert.deepEqual(got, ["ctx", "ctx", "ctx", "ctx", "ctx"]);
  assert.equal(als.getStore(), undefined);
});

test("interleaved async runs keep their own stores across await", async () => {
  const als = new AsyncLocalStorage();
  const handler = (id, delay) => als.run({ id }, () => lowered(function* () {
    yield new Promise((r) => setTimeout(r, delay));
    const a = als.getStore().id;
    yield Promise.resolve();
    return [a, als.getStore().id];
  }));
  const results = await Promise.all([handler("a", 5), handler("b", 1), handler("c", 3)]);
  assert.deepEqual(results, [["a", "a"], ["b", "b"], ["c", "c"]]);
});

test("AsyncLocalStorage.bind, snapshot and AsyncResource", () => {
  const als = new AsyncLocalStorage();
  const bound = als.run(7, () => AsyncLocalStorage.bind(() => als.getStore()));
  const snap = als.run(8, () => AsyncLocalStorage.snapshot());
  const res = als.run(9, () => new AsyncResource("x"));
  assert.equal(bound(), 7);
  assert.equal(snap(() => als.getStore()), 8);
  assert.equal(res.runInAsyncScope(() => als.getStore()), 9);
  als.enterWith(10);
  assert.equal(als.getStore(), 10);
  als.disable();
  assert.equal(als.getStore(), undefined);
});

test("setTimeout passes extra arguments and returns a positive id", async () => {
  const got = await new Promise((resolve) => {
    const id = setTimeout((a, b) => resolve([a, b, typeof id]), 1, "x", 2);
    assert.ok(id > 0);
  });
  assert.deepEqual(got, ["x", 2, "number"]);
});

test("timers fire in delay order; clearTimeout cancels", async () => {
  const order = [];
  await new Promise((resolve) => {
    setTimeout(() => order.push(20), 20);
    setTimeout(() => order.push(5), 5);
    const c = setTimeout(() => order.push("cancelled"), 10);
    clearTimeout(c);
    setTimeout(resolve, 40);
  });
  assert.deepEqual(order, [5, 20]);
});

test("setInterval repeats until cleared", async () => {
  let n = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => {
      n++;
      if (n === 3) {
        clearInterval(id);
        setTimeout(resolve, 30);
      }
    }, 2);
  });
  assert.equal(n, 3);
});

test("setTimeout requires a function", () => {
  assert.throws(() => setTimeout("code", 1), TypeError);
});

test("queueMicrotask runs before timers", async () => {
  const order = [];
  await new Promise((resolve) => {
    setTimeout(() => { order.push("timer"); resolve(); }, 0);
    queueMicrotask(() => order.push("micro"));
  });
  assert.deepEqual(order, ["micro", "timer"]);
});

test("scheduler.wait resolves after the delay and rejects on abort", async () => {
  const t0 = performance.now();
  await scheduler.wait(15);
  assert.ok(performance.now() - t0 >= 10, "waited");
  const ac = new AbortController();
  const p = scheduler.wait(1000, { signal: ac.signal });
  ac.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
});

test("performance and navigator", () => {
  assert.equal(navigator.userAgent, "Cloudflare-Workers");
  const a = performance.now();
  const b = performance.now();
  assert.ok(b >= a);
  assert.ok(Math.abs(performance.timeOrigin + performance.now() - Date.now()) < 1000);
});

test("globals are non-enumerable, writable and configurable", () => {
  for (const name of ["fetch", "Response", "setTimeout", "console", "crypto", "ReadableStream"]) {
    const d = Object.getOwnPropertyDescriptor(globalThis, name);
    assert.ok(d, name);
    assert.equal(d.enumerable, false, name);
    assert.equal(d.writable, true, name);
    assert.equal(d.configurable, true, name);
  }
  assert.equal(globalThis.__outpost_ops, undefined);
  assert.equal(self, globalThis);
});

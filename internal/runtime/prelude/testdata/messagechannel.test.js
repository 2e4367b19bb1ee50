test("MessageChannel delivers cloned messages in order, as macrotasks", async () => {
  const { port1, port2 } = new MessageChannel();
  const got = [];
  const done = new Promise((resolve) => {
    port2.onmessage = (e) => {
      got.push(e.data);
      if (got.length === 3) resolve();
    };
  });
  const obj = { n: 1 };
  port1.postMessage(obj);
  port1.postMessage("two");
  port1.postMessage([3]);
  obj.n = 99; // a clone was sent
  let microtaskRanFirst = false;
  Promise.resolve().then(() => { microtaskRanFirst = got.length === 0; });
  await done;
  assert.ok(microtaskRanFirst, "messages must not arrive before pending microtasks");
  assert.deepEqual(got, [{ n: 1 }, "two", [3]]);
  assert.equal(String(port1), "[object MessagePort]");
  assert.throws(() => new MessagePort(), TypeError);
});

test("a port does not deliver before start() unless onmessage is set; close stops delivery", async () => {
  const { port1, port2 } = new MessageChannel();
  const got = [];
  port2.addEventListener("message", (e) => got.push(e.data));
  port1.postMessage("queued");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, []);
  port2.start();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, ["queued"]);
  port2.close();
  port1.postMessage("after close");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, ["queued"]);
});

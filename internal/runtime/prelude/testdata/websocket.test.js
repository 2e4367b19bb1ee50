// WebSocketPair with both ends in the worker, and the WebSocket API's
// errors (workerd's api/web-socket.c++).
const nextEvent = (ws, type) => new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));

test("WebSocketPair has two WebSockets, by index and by iteration", () => {
  const pair = new WebSocketPair();
  const [a, b] = Object.values(pair);
  assert.ok(a instanceof WebSocket && b instanceof WebSocket && a !== b);
  assert.equal(pair[0], a);
  assert.equal(pair[1], b);
  assert.deepEqual([...pair].length, 2);
  assert.ok(a instanceof EventTarget);
  assert.equal(a.readyState, WebSocket.OPEN);
  assert.equal(WebSocket.READY_STATE_CLOSED, 3);
  assert.equal(a.url, null);
  assert.equal(a.protocol, "");
  assert.equal(a.extensions, "");
  assert.equal(a.binaryType, "arraybuffer");
});

test("send before accept() throws; messages sent before the peer accepts are delivered after", async () => {
  const [a, b] = Object.values(new WebSocketPair());
  assert.throws(() => a.send("x"), /must call one of accept\(\)/);
  a.accept();
  a.send("early");
  a.send(new Uint8Array([1, 2, 3]));
  const got = [];
  b.addEventListener("message", (e) => got.push(e.data));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [], "no events before accept()");
  b.accept();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(got[0], "early");
  assert.ok(got[1] instanceof ArrayBuffer, "binary messages arrive as ArrayBuffer");
  assert.deepEqual(new Uint8Array(got[1]), new Uint8Array([1, 2, 3]));
});

test("message events are MessageEvents, dispatched asynchronously in order, with onmessage", async () => {
  const [a, b] = Object.values(new WebSocketPair());
  a.accept();
  b.accept();
  const seen = [];
  b.onmessage = (e) => seen.push("on:" + e.data);
  b.addEventListener("message", (e) => {
    assert.ok(e instanceof MessageEvent);
    assert.equal(e.target, b);
    seen.push("listener:" + e.data);
  });
  a.send("1");
  a.send("2");
  assert.deepEqual(seen, [], "send does not dispatch synchronously");
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(seen, ["on:1", "listener:1", "on:2", "listener:2"]);
});

test("binaryType blob delivers Blobs", async () => {
  const [a, b] = Object.values(new WebSocketPair());
  a.accept();
  b.accept();
  b.binaryType = "blob";
  b.binaryType = "nonsense";
  assert.equal(b.binaryType, "blob");
  const ev = nextEvent(b, "message");
  a.send(new Uint16Array([0x0201]).buffer);
  const data = (await ev).data;
  assert.ok(data instanceof Blob);
  assert.deepEqual(new Uint8Array(await data.arrayBuffer()), new Uint8Array([1, 2]));
});

test("close(code, reason) reaches the peer as a clean CloseEvent; readyState follows", async () => {
  const [a, b] = Object.values(new WebSocketPair());
  a.accept();
  b.accept();
  const closed = nextEvent(b, "close");
  a.close(4000, "bye");
  assert.equal(a.readyState, WebSocket.CLOSING);
  assert.throws(() => a.send("late"), { name: "TypeError", message: "Can't call WebSocket send() after close()." });
  a.close(4001); // a second close is ignored
  const ev = await closed;
  assert.ok(ev instanceof CloseEvent);
  assert.equal(ev.code, 4000);
  assert.equal(ev.reason, "bye");
  assert.equal(ev.wasClean, true);
  assert.equal(b.readyState, WebSocket.CLOSING);
  const back = nextEvent(a, "close");
  b.close(ev.code, ev.reason);
  assert.equal(b.readyState, WebSocket.CLOSED);
  assert.equal((await back).code, 4000);
  assert.equal(a.readyState, WebSocket.CLOSED);
});

test("close() without a code arrives as 1005", async () => {
  const [a, b] = Object.values(new WebSocketPair());
  a.accept();
  b.accept();
  const closed = nextEvent(b, "close");
  a.close();
  const ev = await closed;
  assert.equal(ev.code, 1005);
  assert.equal(ev.reason, "");
});

test("close() validates the code and the reason", () => {
  const [a] = Object.values(new WebSocketPair());
  assert.throws(() => a.close(1000), /must call one of accept\(\)/);
  a.accept();
  for (const code of [999, 1004, 1005, 1006, 1015, 5000, 1000.5]) {
    assert.throws(() => a.close(code), { name: "TypeError", message: `Invalid WebSocket close code: ${code}.` });
  }
  assert.throws(() => a.close(undefined, "why"), { message: "If you specify a WebSocket close reason, you must also specify a code." });
  assert.throws(() => a.close(1000, "x".repeat(124)), { name: "SyntaxError" });
  a.close(3000, "x".repeat(123));
});

test("accept() and returning in a Response are exclusive", () => {
  const [a, b] = Object.values(new WebSocketPair());
  a.accept();
  a.accept(); // accepting twice is allowed
  const res = new Response(null, { status: 101, webSocket: b });
  assert.equal(res.status, 101);
  assert.equal(res.webSocket, b);
  assert.throws(() => new Response(null, { webSocket: b }), { name: "RangeError", message: "Responses with a WebSocket must have status code 101." });
  assert.throws(() => new Response(null, { status: 101, webSocket: {} }), TypeError);
  assert.throws(() => new Response(null, { status: 101 }), RangeError);
});

test("MessageEvent, CloseEvent and ErrorEvent can be constructed", () => {
  const m = new MessageEvent("message", { data: "hi" });
  assert.equal(m.data, "hi");
  assert.equal(m.type, "message");
  const c = new CloseEvent("close", { code: 1000, reason: "done", wasClean: true });
  assert.deepEqual([c.code, c.reason, c.wasClean], [1000, "done", true]);
  const d = new CloseEvent("close");
  assert.deepEqual([d.code, d.reason, d.wasClean], [0, "", false]);
  const err = new Error("x");
  assert.equal(new ErrorEvent("error", { error: err, message: "x" }).error, err);
});

test("new WebSocket() checks its URL and protocols", () => {
  assert.throws(() => new WebSocket("not a url"), { name: "SyntaxError", message: "WebSocket Constructor: The url is invalid." });
  assert.throws(() => new WebSocket("http://example.com/"), { name: "SyntaxError", message: "WebSocket Constructor: The url scheme must be ws or wss." });
  assert.throws(() => new WebSocket("wss://example.com/#frag"), { name: "SyntaxError", message: "WebSocket Constructor: The url fragment must be empty." });
  assert.throws(() => new WebSocket("wss://example.com/", "a b"), { message: "WebSocket Constructor: The protocol header token is invalid." });
  assert.throws(() => new WebSocket("wss://example.com/", []), { message: "WebSocket Constructor: The protocols array cannot be empty." });
  assert.throws(() => new WebSocket("wss://example.com/", ["a", "a"]), { message: "WebSocket Constructor: The protocols header cannot have repeating values." });
});

test("a failed connection fires error, then close 1006", async () => {
  // Port 1 on loopback refuses connections.
  const ws = new WebSocket("ws://127.0.0.1:1/");
  assert.equal(ws.readyState, WebSocket.CONNECTING);
  assert.throws(() => ws.accept(), /cannot call accept/);
  const events = [];
  ws.addEventListener("error", (e) => events.push("error:" + (e instanceof ErrorEvent)));
  const closed = nextEvent(ws, "close");
  ws.addEventListener("close", (e) => events.push(`close:${e.code}:${e.wasClean}`));
  await closed;
  assert.deepEqual(events, ["error:true", "close:1006:false"]);
  assert.equal(ws.readyState, WebSocket.CLOSED);
});

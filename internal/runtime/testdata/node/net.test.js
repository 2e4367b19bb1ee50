const net = __outpost_require("node:net");
const tls = __outpost_require("node:tls");

test("isIP and friends", () => {
  assert.equal(net.isIP("127.0.0.1"), 4);
  assert.equal(net.isIP("::1"), 6);
  assert.equal(net.isIP("fe80::1%eth0"), 6);
  assert.equal(net.isIP("256.0.0.1"), 0);
  assert.equal(net.isIP("example.com"), 0);
  assert.equal(net.isIPv4("1.2.3.4"), true);
  assert.equal(net.isIPv6("1.2.3.4"), false);
});

test("servers cannot listen; bad ports throw", () => {
  assert.throws(() => net.createServer(), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
  assert.throws(() => tls.createServer(), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
  assert.throws(() => net.connect(70000, "example.com"), { code: "ERR_SOCKET_BAD_PORT" });
  assert.throws(() => net.connect("/var/run/x.sock"), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
  const s = new net.Socket();
  assert.equal(s.readyState, "closed");
  assert.equal(s.pending, true);
});

test("a refused connection errors with ECONNREFUSED", async () => {
  const s = net.connect(1, "127.0.0.1");
  assert.equal(s.connecting, true);
  const err = await new Promise((res) => s.on("error", res));
  assert.equal(err.code, "ECONNREFUSED");
  await new Promise((res) => (s.closed ? res() : s.on("close", res)));
  assert.equal(s.destroyed, true);
});

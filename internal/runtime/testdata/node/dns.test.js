const dns = __outpost_require("node:dns");
const dnsp = __outpost_require("node:dns/promises");

test("lookup of literals and localhost", async () => {
  const [addr, family] = await new Promise((res, rej) => dns.lookup("127.0.0.1", (e, a, f) => (e ? rej(e) : res([a, f]))));
  assert.deepEqual([addr, family], ["127.0.0.1", 4]);
  assert.deepEqual(await dnsp.lookup("::1"), { address: "::1", family: 6 });
  assert.deepEqual(await dnsp.lookup("localhost", { family: 4 }), { address: "127.0.0.1", family: 4 });
  assert.deepEqual(await dnsp.lookup("localhost", { all: true, family: 6 }), [{ address: "::1", family: 6 }]);
});

test("unknown names fail with ENOTFOUND", async () => {
  const err = await dnsp.lookup("no-such-host.invalid").then(() => null, (e) => e);
  assert.equal(err.code, "ENOTFOUND");
  assert.equal(err.hostname, "no-such-host.invalid");
  assert.equal(err.syscall, "getaddrinfo");
  assert.throws(() => dns.lookup(42, () => {}), { code: "ERR_INVALID_ARG_TYPE" });
  await assert.rejects(dnsp.resolve("example.com", "MX"), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
});

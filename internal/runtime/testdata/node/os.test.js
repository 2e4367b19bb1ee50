const os = __outpost_require("node:os");

test("node:os answers as workerd does", () => {
  assert.equal(os.EOL, "\n");
  assert.equal(os.platform(), "linux");
  assert.equal(os.type(), "Linux");
  assert.equal(os.arch(), "x64");
  assert.equal(os.endianness(), "LE");
  assert.equal(os.tmpdir(), "/tmp/");
  assert.equal(os.homedir(), "/tmp/");
  assert.equal(os.hostname(), "localhost");
  assert.deepEqual(os.cpus(), []);
  assert.equal(os.availableParallelism(), 1);
  assert.equal(os.constants.signals.SIGTERM, 15);
  assert.equal(os.constants.errno.ENOENT, 2);
  assert.equal(os.devNull, "/dev/null");
  assert.throws(() => os.setPriority(100), { code: "ERR_OUT_OF_RANGE" });
  assert.equal(os.default, os);
});

const fs = __outpost_require("node:fs");
const fsp = __outpost_require("node:fs/promises");
const { pipeline } = __outpost_require("node:stream/promises");

test("write, read, append, stat in /tmp", () => {
  fs.writeFileSync("/tmp/a.txt", "hello");
  fs.appendFileSync("/tmp/a.txt", " world");
  assert.equal(fs.readFileSync("/tmp/a.txt", "utf8"), "hello world");
  assert.ok(Buffer.isBuffer(fs.readFileSync("/tmp/a.txt")));
  const st = fs.statSync("/tmp/a.txt");
  assert.equal(st.size, 11);
  assert.ok(st.isFile() && !st.isDirectory());
  assert.ok(fs.statSync("/tmp").isDirectory());
  assert.equal(fs.existsSync("/tmp/a.txt"), true);
  assert.equal(fs.existsSync("/tmp/nope"), false);
  assert.equal(fs.statSync("/tmp/nope", { throwIfNoEntry: false }), undefined);
});

test("errors carry Node's codes and messages", () => {
  assert.throws(() => fs.readFileSync("/tmp/missing"), { code: "ENOENT", errno: -2, syscall: "open", message: "ENOENT: no such file or directory, open '/tmp/missing'" });
  assert.throws(() => fs.writeFileSync("/bundle/x", "no"), { code: "EROFS" });
  assert.throws(() => fs.mkdirSync("/tmp"), { code: "EEXIST" });
  assert.throws(() => fs.readFileSync("/tmp"), { code: "EISDIR" });
  fs.writeFileSync("/tmp/f", "x");
  assert.throws(() => fs.readdirSync("/tmp/f"), { code: "ENOTDIR" });
  assert.throws(() => fs.writeFileSync("/tmp/f", "y", { flag: "wx" }), { code: "EEXIST" });
  assert.throws(() => fs.unlinkSync("/dev/null"), { code: "EROFS" });
});

test("directories: mkdir -p, readdir, rename, rm -r", () => {
  assert.equal(fs.mkdirSync("/tmp/d/e/f", { recursive: true }), "/tmp/d");
  fs.writeFileSync("/tmp/d/e/f/g.txt", "g");
  fs.writeFileSync("/tmp/d/b.txt", "b");
  assert.deepEqual(fs.readdirSync("/tmp/d"), ["b.txt", "e"]);
  assert.deepEqual(fs.readdirSync("/tmp/d", { recursive: true }), ["b.txt", "e", "e/f", "e/f/g.txt"]);
  const ents = fs.readdirSync("/tmp/d", { withFileTypes: true });
  assert.deepEqual(ents.map((d) => [d.name, d.isDirectory()]), [["b.txt", false], ["e", true]]);
  fs.renameSync("/tmp/d/b.txt", "/tmp/d/e/c.txt");
  assert.equal(fs.readFileSync("/tmp/d/e/c.txt", "utf8"), "b");
  assert.throws(() => fs.rmdirSync("/tmp/d"), { code: "ENOTEMPTY" });
  assert.throws(() => fs.rmSync("/tmp/d"), { code: "ERR_FS_EISDIR" });
  fs.rmSync("/tmp/d", { recursive: true });
  assert.equal(fs.existsSync("/tmp/d"), false);
  fs.rmSync("/tmp/d", { force: true });
  const t = fs.mkdtempSync("/tmp/x-");
  assert.ok(/^\/tmp\/x-[A-Za-z0-9]{6}$/.test(t) && fs.statSync(t).isDirectory());
});

test("descriptors: open, positioned reads and writes", () => {
  const fd = fs.openSync("/tmp/fd.bin", "w+");
  assert.equal(fs.writeSync(fd, "abcdef"), 6);
  assert.equal(fs.writeSync(fd, Buffer.from("XY"), 0, 2, 1), 2);
  const buf = Buffer.alloc(6);
  assert.equal(fs.readSync(fd, buf, 0, 6, 0), 6);
  assert.equal(buf.toString(), "aXYdef");
  assert.equal(fs.fstatSync(fd).size, 6);
  fs.closeSync(fd);
  assert.throws(() => fs.closeSync(fd), { code: "EBADF" });
  fs.truncateSync("/tmp/fd.bin", 3);
  assert.equal(fs.readFileSync("/tmp/fd.bin", "latin1"), "aXY");
});

test("/dev and /bundle", () => {
  assert.equal(fs.readFileSync("/dev/null").length, 0);
  fs.writeFileSync("/dev/null", "discarded");
  const z = Buffer.alloc(4, 1);
  const fd = fs.openSync("/dev/zero", "r");
  fs.readSync(fd, z, 0, 4, null);
  fs.closeSync(fd);
  assert.deepEqual([...z], [0, 0, 0, 0]);
  assert.throws(() => fs.writeFileSync("/dev/full", "x"), { code: "ENOSPC" });
  const names = fs.readdirSync("/bundle");
  assert.equal(names.length, 1);
  assert.ok(fs.readFileSync("/bundle/" + names[0], "utf8").includes("createWriteStream"), "/bundle holds the script");
  assert.deepEqual(fs.readdirSync("/"), ["bundle", "dev", "tmp"]);
});

test("callbacks, promises and streams", async () => {
  await fsp.writeFile("/tmp/p.txt", "promised");
  assert.equal(await fsp.readFile("/tmp/p.txt", "utf8"), "promised");
  const text = await new Promise((res, rej) => fs.readFile("/tmp/p.txt", "utf8", (e, d) => (e ? rej(e) : res(d))));
  assert.equal(text, "promised");
  const err = await new Promise((res) => fs.stat("/tmp/none", res));
  assert.equal(err.code, "ENOENT");
  await assert.rejects(fsp.readFile("/tmp/none"), { code: "ENOENT" });
  const fh = await fsp.open("/tmp/p.txt", "r");
  const { bytesRead, buffer } = await fh.read(Buffer.alloc(3), 0, 3, 0);
  assert.equal(buffer.subarray(0, bytesRead).toString(), "pro");
  await fh.close();
  await pipeline(fs.createReadStream("/tmp/p.txt", { start: 3 }), fs.createWriteStream("/tmp/q.txt"));
  assert.equal(fs.readFileSync("/tmp/q.txt", "utf8"), "mised");
  const ws = fs.createWriteStream("/tmp/big.txt");
  for (let i = 0; i < 1000; i++) ws.write("line " + i + "\n");
  await new Promise((res) => ws.end(res));
  let lines = 0;
  for await (const chunk of fs.createReadStream("/tmp/big.txt", { encoding: "utf8", highWaterMark: 100 })) lines += chunk.split("\n").length - 1;
  assert.equal(lines, 1000);
});

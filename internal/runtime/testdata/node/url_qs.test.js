const url = __outpost_require("node:url");
const qs = __outpost_require("node:querystring");

test("querystring parse and stringify as Node", () => {
  const p = qs.parse("a=1&b=x+y&a=2&c=%E2%82%AC&d&e=%ZZ");
  assert.deepEqual({ ...p }, { a: ["1", "2"], b: "x y", c: "€", d: "", e: "%ZZ" });
  assert.equal(Object.getPrototypeOf(p), null);
  assert.equal(qs.stringify({ a: [1, 2], b: "x y", c: "€", d: true, e: null }), "a=1&a=2&b=x%20y&c=%E2%82%AC&d=true&e=");
  assert.equal(qs.stringify({ w: "a;b" }, ";", ":"), "w:a%3Bb");
  assert.deepEqual({ ...qs.parse("w:1;v:2", ";", ":") }, { w: "1", v: "2" });
  assert.equal(qs.escape("a b&c"), "a%20b%26c");
});

test("url.parse gives Node's Url objects", () => {
  const u = url.parse("https://user:pw@Example.com:8080/p/a/t/h?query=string&a=1#hash");
  assert.equal(u.protocol, "https:");
  assert.equal(u.slashes, true);
  assert.equal(u.auth, "user:pw");
  assert.equal(u.host, "example.com:8080");
  assert.equal(u.hostname, "example.com");
  assert.equal(u.port, "8080");
  assert.equal(u.pathname, "/p/a/t/h");
  assert.equal(u.search, "?query=string&a=1");
  assert.equal(u.query, "query=string&a=1");
  assert.equal(u.path, "/p/a/t/h?query=string&a=1");
  assert.equal(u.hash, "#hash");
  assert.equal(u.href, "https://user:pw@example.com:8080/p/a/t/h?query=string&a=1#hash");
  assert.deepEqual({ ...url.parse("/x?y=1", true).query }, { y: "1" });
  const rel = url.parse("/only/path?q");
  assert.equal(rel.host, null);
  assert.equal(rel.path, "/only/path?q");
  assert.equal(url.parse("http://h").pathname, "/");
  assert.equal(url.parse("http://[::1]:3000/").hostname, "::1");
});

test("url.format and url.resolve", () => {
  assert.equal(url.format({ protocol: "http", hostname: "example.com", port: 81, pathname: "/a", query: { b: "c d" } }), "http://example.com:81/a?b=c%20d");
  assert.equal(url.resolve("http://example.com/a/b", "../c"), "http://example.com/c");
  assert.equal(url.resolve("/one/two", "three"), "/one/three");
  assert.equal(url.resolve("http://a.com/x", "https://b.com/y"), "https://b.com/y");
});

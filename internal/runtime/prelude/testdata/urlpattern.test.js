test("named groups in a pathname pattern", () => {
  const p = new URLPattern({ pathname: "/books/:id" });
  assert.ok(p.test("https://example.com/books/123"));
  assert.ok(!p.test("https://example.com/books/123/x"));
  assert.ok(!p.test("https://example.com/books/"));
  const r = p.exec("https://example.com/books/123?x=1#h");
  assert.deepEqual(r.pathname, { input: "/books/123", groups: { id: "123" } });
  assert.equal(r.search.input, "x=1");
  assert.equal(r.hash.input, "h");
  assert.deepEqual(r.inputs, ["https://example.com/books/123?x=1#h"]);
});

test("wildcards give numbered groups", () => {
  const p = new URLPattern({ pathname: "/static/*" });
  assert.deepEqual(p.exec("http://a.test/static/css/site.css").pathname.groups, { 0: "css/site.css" });
  assert.ok(p.test("http://a.test/static/"));
  assert.ok(!p.test("http://a.test/other"));
});

test("regex groups and optional/repeated modifiers", () => {
  const p = new URLPattern({ pathname: "/post/:id(\\d+)/:slug?" });
  assert.deepEqual(p.exec({ pathname: "/post/42/hello" }).pathname.groups, { id: "42", slug: "hello" });
  assert.deepEqual(p.exec({ pathname: "/post/42" }).pathname.groups, { id: "42", slug: undefined });
  assert.equal(p.exec({ pathname: "/post/abc" }), null);
  const rep = new URLPattern({ pathname: "/files/:path+" });
  assert.deepEqual(rep.exec({ pathname: "/files/a/b/c" }).pathname.groups, { path: "a/b/c" });
  assert.ok(!rep.test({ pathname: "/files" }));
  const any = new URLPattern({ pathname: "/files/:path*" });
  assert.ok(any.test({ pathname: "/files" }));
  const unnamed = new URLPattern({ pathname: "/(foo|bar)/x" });
  assert.deepEqual(unnamed.exec({ pathname: "/bar/x" }).pathname.groups, { 0: "bar" });
});

test("{…} groups with modifiers", () => {
  const p = new URLPattern({ pathname: "/product{/}?" });
  assert.ok(p.test({ pathname: "/product" }));
  assert.ok(p.test({ pathname: "/product/" }));
  const q = new URLPattern({ pathname: "/blog/:year{-:month}?" });
  assert.deepEqual(q.exec({ pathname: "/blog/2024-05" }).pathname.groups, { year: "2024", month: "05" });
  assert.deepEqual(q.exec({ pathname: "/blog/2024" }).pathname.groups, { year: "2024", month: undefined });
});

test("string patterns with hostnames and a base URL", () => {
  const p = new URLPattern("https://:sub.example.com/api/:v/*");
  assert.equal(p.protocol, "https");
  assert.equal(p.hostname, ":sub.example.com");
  assert.equal(p.pathname, "/api/:v/*");
  assert.equal(p.search, "*");
  const r = p.exec("https://eu.example.com/api/v2/users?limit=1");
  assert.equal(r.hostname.groups.sub, "eu");
  assert.equal(r.pathname.groups.v, "v2");
  assert.ok(!p.test("http://eu.example.com/api/v2/users"));
  assert.ok(!p.test("https://a.b.example.com/api/v2/users"));

  const rel = new URLPattern("/users/:id", "https://example.com");
  assert.equal(rel.hostname, "example.com");
  assert.ok(rel.test("https://example.com/users/7"));
  assert.ok(!rel.test("https://other.com/users/7"));
  assert.ok(rel.test("/users/7", "https://example.com"));
  const opt = new URLPattern("https://example.com/items/:id?");
  assert.ok(opt.test("https://example.com/items"));
  assert.equal(opt.search, "*");
});

test("search and hash components", () => {
  const p = new URLPattern({ search: "q=:term", hash: "top" });
  assert.deepEqual(p.exec("https://x.test/?q=cats#top").search.groups, { term: "cats" });
  assert.ok(!p.test("https://x.test/?q=cats#bottom"));
});

test("ignoreCase and default ports", () => {
  const p = new URLPattern({ pathname: "/About" }, { ignoreCase: true });
  assert.ok(p.test("https://x.test/about"));
  const port = new URLPattern({ protocol: "https", port: "443", pathname: "/" });
  assert.equal(port.port, "");
  assert.ok(port.test("https://x.test/"));
});

test("invalid patterns and inputs", () => {
  assert.throws(() => new URLPattern({ pathname: "/(a" }), TypeError);
  assert.throws(() => new URLPattern({ pathname: "/:" }), TypeError);
  assert.throws(() => new URLPattern("/relative"), TypeError);
  assert.equal(new URLPattern({ pathname: "/x" }).exec("not a url"), null);
});

test("escaped characters are literal", () => {
  const p = new URLPattern({ pathname: "/a\\:b/c\\*" });
  assert.ok(p.test({ pathname: "/a:b/c*" }));
  assert.ok(!p.test({ pathname: "/a:b/cd" }));
});

// URL and URLSearchParams over the Go WHATWG parser (ops.urlParse/urlSet).

test("components", () => {
  const u = new URL("https://user:pa%20ss@Example.COM:8080/a/./b/../c?x=1&y=2#frag");
  assert.equal(u.href, "https://user:pa%20ss@example.com:8080/a/c?x=1&y=2#frag");
  assert.equal(u.protocol, "https:");
  assert.equal(u.username, "user");
  assert.equal(u.password, "pa%20ss");
  assert.equal(u.host, "example.com:8080");
  assert.equal(u.hostname, "example.com");
  assert.equal(u.port, "8080");
  assert.equal(u.pathname, "/a/c");
  assert.equal(u.search, "?x=1&y=2");
  assert.equal(u.hash, "#frag");
  assert.equal(u.origin, "https://example.com:8080");
});

test("relative to a base (string or URL)", () => {
  assert.equal(new URL("../d?q", "http://h/a/b/c").href, "http://h/a/d?q");
  assert.equal(new URL("//other/x", new URL("https://h/")).href, "https://other/x");
  assert.equal(new URL("http://x/", undefined).href, "http://x/");
});

test("IDNA, IPv4 and IPv6 hosts", () => {
  assert.equal(new URL("http://faß.ExAmPlE/").hostname, "xn--fa-hia.example");
  assert.equal(new URL("http://0x7f.1/").hostname, "127.0.0.1");
  assert.equal(new URL("http://[0:0::1]:80/").host, "[::1]");
});

test("invalid input throws workerd's TypeErrors", () => {
  assert.throws(() => new URL("not a url"), { name: "TypeError", message: "Invalid URL string." });
  assert.throws(() => new URL("/path", "also not a url"), { name: "TypeError", message: "Invalid base URL string." });
  assert.throws(() => new URL("http://a b/"), { name: "TypeError", message: "Invalid URL string." });
  assert.throws(() => new URL(), TypeError);
});

test("URL.canParse and URL.parse", () => {
  assert.equal(URL.canParse("https://x"), true);
  assert.equal(URL.canParse("x"), false);
  assert.equal(URL.canParse("x", "https://h/"), true);
  assert.equal(URL.parse("nope"), null);
  const u = URL.parse("/p", "https://h/q");
  assert.equal(u instanceof URL, true);
  assert.equal(u.href, "https://h/p");
});

test("origin", () => {
  assert.equal(new URL("blob:https://example.com:443/uuid").origin, "https://example.com");
  assert.equal(new URL("blob:ftp://host/x").origin, "null");
  assert.equal(new URL("data:text/plain,hi").origin, "null");
  assert.equal(new URL("file:///etc/hosts").origin, "null");
  assert.equal(new URL("ws://h:80/").origin, "ws://h");
});

test("protocol setter follows the special-scheme rules", () => {
  const u = new URL("http://h:443/");
  u.protocol = "https";
  assert.equal(u.href, "https://h/");
  u.protocol = "foo";
  assert.equal(u.protocol, "https:");
  const f = new URL("https://user@h/");
  f.protocol = "file";
  assert.equal(f.protocol, "https:");
  const n = new URL("foo://h/");
  n.protocol = "bar:ignored";
  assert.equal(n.href, "bar://h/");
});

test("host, hostname and port setters", () => {
  const u = new URL("http://example.net:8080/p");
  u.host = "example.com";
  assert.equal(u.href, "http://example.com:8080/p");
  u.host = "other.org:81";
  assert.equal(u.host, "other.org:81");
  u.hostname = "x.y:99";
  assert.equal(u.hostname, "other.org");
  u.port = "80";
  assert.equal(u.port, "");
  u.port = "8080abc";
  assert.equal(u.port, "8080");
  u.port = 99999;
  assert.equal(u.port, "8080");
  u.port = "";
  assert.equal(u.href, "http://other.org/p");
  const f = new URL("file:///tmp/x");
  f.port = "22";
  f.username = "me";
  assert.equal(f.href, "file:///tmp/x");
});

test("credentials", () => {
  const u = new URL("https://h/");
  u.username = "a b@c";
  u.password = "p:w";
  assert.equal(u.href, "https://a%20b%40c:p%3Aw@h/");
  u.username = "";
  u.password = "";
  assert.equal(u.href, "https://h/");
});

test("pathname, search and hash setters", () => {
  const u = new URL("https://h/old?q#f");
  u.pathname = "a b/../c";
  assert.equal(u.pathname, "/c");
  u.search = "x y=1";
  assert.equal(u.search, "?x%20y=1");
  u.search = "";
  assert.equal(u.href, "https://h/c#f");
  u.hash = "top";
  assert.equal(u.hash, "#top");
  u.hash = "";
  assert.equal(u.href, "https://h/c");
  const m = new URL("mailto:someone@example.com");
  m.pathname = "/x";
  assert.equal(m.pathname, "someone@example.com");
  const d = new URL("data:space ?query");
  d.search = "";
  assert.equal(d.href, "data:space%20");
});

test("href setter replaces the URL or throws", () => {
  const u = new URL("https://h/?a=1");
  const p = u.searchParams;
  u.href = "http://other/x?b=2";
  assert.equal(u.host, "other");
  assert.equal(p.get("b"), "2");
  assert.equal(p.has("a"), false);
  assert.throws(() => { u.href = "::"; }, { name: "TypeError", message: "Invalid URL string." });
  assert.equal(u.href, "http://other/x?b=2");
});

test("searchParams is live in both directions", () => {
  const u = new URL("https://h/p?a=1&b=2#h");
  const p = u.searchParams;
  assert.equal(u.searchParams, p, "same object");
  assert.equal(p.get("a"), "1");
  p.append("c", "x y");
  assert.equal(u.href, "https://h/p?a=1&b=2&c=x+y#h");
  u.search = "?z=9";
  assert.equal(p.get("z"), "9");
  assert.equal(p.size, 1);
  p.delete("z");
  assert.equal(u.href, "https://h/p#h");
  assert.equal(u.search, "");
  p.set("k", "é");
  assert.equal(u.search, "?k=%C3%A9");
  u.search = "t=a\tb";
  assert.equal(u.search, "?t=ab", "the parser drops tabs");
  assert.equal(p.get("t"), "a\tb", "the list is parsed from the value as given");
});

test("URLSearchParams constructor forms", () => {
  assert.equal(new URLSearchParams("?a=1&b=2").toString(), "a=1&b=2");
  assert.equal(new URLSearchParams("a=1&&b").toString(), "a=1&b=");
  assert.equal(new URLSearchParams([["a", "1"], ["a", 2]]).getAll("a").join(), "1,2");
  assert.equal(new URLSearchParams({ x: "1", y: 2 }).toString(), "x=1&y=2");
  const src = new URLSearchParams("q=1");
  const copy = new URLSearchParams(src);
  copy.append("r", "2");
  assert.equal(src.toString(), "q=1");
  assert.equal(copy.toString(), "q=1&r=2");
  assert.equal(new URLSearchParams(new Map([["m", "1"]])).get("m"), "1");
  assert.equal(new URLSearchParams().size, 0);
  assert.equal(new URLSearchParams(undefined).size, 0);
  assert.throws(() => new URLSearchParams([["a"]]), TypeError);
  assert.throws(() => new URLSearchParams([1]), TypeError);
});

test("urlencoded parsing", () => {
  const p = new URLSearchParams("a+b=c+d&e=%20%2B&f=%zz&g=%C3%A9&h=%C3&i=%E2%82&j=%F0%9F%92%A9&k==");
  assert.equal(p.get("a b"), "c d");
  assert.equal(p.get("e"), " +");
  assert.equal(p.get("f"), "%zz");
  assert.equal(p.get("g"), "é");
  assert.equal(p.get("h"), "\ufffd");
  assert.equal(p.get("i"), "\ufffd");
  assert.equal(p.get("j"), "💩");
  assert.equal(p.get("k"), "=");
  assert.equal(p.get("missing"), null);
});

test("urlencoded serialising", () => {
  const p = new URLSearchParams();
  p.append("a b", "!'()~*-._");
  p.append("ü", "&=+%");
  p.append("lone", "\ud800x");
  assert.equal(p.toString(), "a+b=%21%27%28%29%7E*-._&%C3%BC=%26%3D%2B%25&lone=%EF%BF%BDx");
});

test("delete and has with a value", () => {
  const p = new URLSearchParams("a=1&a=2&b=1");
  assert.equal(p.has("a", "2"), true);
  assert.equal(p.has("a", "3"), false);
  p.delete("a", "1");
  assert.equal(p.toString(), "a=2&b=1");
  p.delete("a");
  assert.equal(p.toString(), "b=1");
});

test("set replaces the first and drops the rest", () => {
  const p = new URLSearchParams("a=1&b=2&a=3");
  p.set("a", "x");
  assert.equal(p.toString(), "a=x&b=2");
  p.set("c", "y");
  assert.equal(p.toString(), "a=x&b=2&c=y");
});

test("sort is stable by UTF-16 code units", () => {
  const p = new URLSearchParams("z=1&a=2&z=0&\uFFFD=3&\uD83D\uDE00=4&a=1");
  p.sort();
  assert.equal([...p.keys()].join(","), "a,a,z,z,\uD83D\uDE00,\uFFFD");
  assert.equal(p.getAll("a").join(), "2,1");
  assert.equal(p.getAll("z").join(), "1,0");
});

test("iteration", () => {
  const p = new URLSearchParams("a=1&b=2");
  assert.equal(JSON.stringify([...p]), '[["a","1"],["b","2"]]');
  assert.equal([...p.values()].join(), "1,2");
  assert.equal(JSON.stringify([...p.entries()]), '[["a","1"],["b","2"]]');
  const seen = [];
  p.forEach(function (v, k, obj) { seen.push(k + v, obj === p, this.tag); }, { tag: "t" });
  assert.equal(seen.join(), "a1,true,t,b2,true,t");
  const it = p.keys();
  assert.equal(Object.prototype.toString.call(it), "[object URLSearchParams Iterator]");
  assert.equal(typeof it[Symbol.iterator], "function");
  assert.equal(it.next().value, "a");
  p.append("c", "3");
  assert.equal([...it].join(), "b,c", "live iterator");
});

test("class shape", () => {
  const u = new URL("https://h/");
  assert.equal(Object.prototype.toString.call(u), "[object URL]");
  assert.equal(Object.prototype.toString.call(u.searchParams), "[object URLSearchParams]");
  assert.equal(Object.keys(u).length, 0);
  assert.equal(typeof Object.getOwnPropertyDescriptor(URL.prototype, "href").set, "function");
  assert.equal(typeof Object.getOwnPropertyDescriptor(URL.prototype, "origin").set, "undefined");
  assert.equal(Object.getOwnPropertyDescriptor(URLSearchParams.prototype, Symbol.iterator).value, URLSearchParams.prototype.entries);
  assert.equal(String(u), "https://h/");
  assert.equal(JSON.stringify({ u }), '{"u":"https://h/"}');
  assert.throws(() => Object.getOwnPropertyDescriptor(URL.prototype, "href").get.call({}), TypeError);
  class Sub extends URL {
    get twice() { return this.href + this.href; }
  }
  const s = new Sub("a:b");
  assert.equal(s instanceof URL, true);
  assert.equal(s.twice, "a:ba:b");
});

test("lone surrogates become U+FFFD", () => {
  assert.equal(new URL("https://h/\ud800").pathname, "/%EF%BF%BD");
  assert.equal(new URLSearchParams("\udc00=1").has("\ufffd"), true);
});

test("urlencoded parser (web-platform-tests urlencoded-parser-data)", () => {
  const cases = [
    ["test", [["test", ""]]],
    ["\uFEFFtest=\uFEFF", [["\uFEFFtest", "\uFEFF"]]],
    ["%EF%BB%BFtest=%EF%BB%BF", [["\uFEFFtest", "\uFEFF"]]],
    ["%EF%BF%BF=%EF%BF%BF", [["\uFFFF", "\uFFFF"]]],
    ["%FE%FF", [["\uFFFD\uFFFD", ""]]],
    ["%FF%FE", [["\uFFFD\uFFFD", ""]]],
    ["†&†=x", [["†", ""], ["†", "x"]]],
    ["%C2", [["\uFFFD", ""]]],
    ["%C2x", [["\uFFFDx", ""]]],
    ["_charset_=windows-1252&test=%C2x", [["_charset_", "windows-1252"], ["test", "\uFFFDx"]]],
    ["", []],
    ["a", [["a", ""]]],
    ["a=b", [["a", "b"]]],
    ["a=", [["a", ""]]],
    ["=b", [["", "b"]]],
    ["&", []],
    ["&a", [["a", ""]]],
    ["a&", [["a", ""]]],
    ["a&a", [["a", ""], ["a", ""]]],
    ["a&b&c", [["a", ""], ["b", ""], ["c", ""]]],
    ["a=b&c=d", [["a", "b"], ["c", "d"]]],
    ["a=b&c=d&", [["a", "b"], ["c", "d"]]],
    ["&&&a=b&&&&c=d&", [["a", "b"], ["c", "d"]]],
    ["a=a&a=b&a=c", [["a", "a"], ["a", "b"], ["a", "c"]]],
    ["a==a", [["a", "=a"]]],
    ["a=a+b+c+d", [["a", "a b c d"]]],
    ["%=a", [["%", "a"]]],
    ["%a=a", [["%a", "a"]]],
    ["%a_=a", [["%a_", "a"]]],
    ["%61=a", [["a", "a"]]],
    ["%61+%4d%4D=", [["a MM", ""]]],
    ["id=0&value=%", [["id", "0"], ["value", "%"]]],
    ["b=%2sf%2a", [["b", "%2sf*"]]],
    ["b=%2%2af%2a", [["b", "%2*f*"]]],
    ["b=%%2a", [["b", "%*"]]],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual([...new URLSearchParams(input)], want, JSON.stringify(input));
  }
});

test("many URLs through the op boundary", () => {
  const cases = [
    ["http://example\t.\norg", "http://example.org/foo/bar", "http://example.org/"],
    ["  File:c|////foo\\bar.html", "file:///tmp/mock/path", "file:///c:////foo/bar.html"],
    ["http://[0:0:0:0:0:0:13.1.68.3]", undefined, "http://[::d01:4403]/"],
    ["http://192.168.257", undefined, "http://192.168.1.1/"],
    ["https://%e2%98%83", undefined, "https://xn--n3h/"],
    ["sc://ñ.test/", undefined, "sc://%C3%B1.test/"],
    ["non-spec:/..//p", undefined, "non-spec:/.//p"],
    ["#i", "sc:sd", "sc:sd#i"],
    ["http://www/foo%2Ehtml", undefined, "http://www/foo%2Ehtml"],
  ];
  for (const [input, base, want] of cases) {
    assert.equal(new URL(input, base).href, want, JSON.stringify(input));
  }
  for (const bad of ["http://[1::2]:3:4", "http://f:999999/c", "http://a%b/", "sc://a b/", "https://\u00AD/"]) {
    assert.equal(URL.canParse(bad), false, JSON.stringify(bad));
  }
});

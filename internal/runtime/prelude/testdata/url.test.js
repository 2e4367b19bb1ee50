// URL and URLSearchParams, run inside the engine after the prelude.
{
  const results = { passed: 0, failed: 0, failures: [] };
  const check = (name, fn) => {
    try {
      fn();
      results.passed++;
    } catch (e) {
      results.failed++;
      results.failures.push({ name, error: String(e && e.stack || e) });
    }
  };
  const eq = (got, want, what = "") => {
    if (!Object.is(got, want)) {
      throw new Error(`${what} got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  };
  const throwsType = (fn, message) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof TypeError)) throw new Error(`threw ${e}, want a TypeError`);
      if (message !== undefined) eq(e.message, message, "message");
      return;
    }
    throw new Error("did not throw");
  };

  check("components", () => {
    const u = new URL("https://user:pa%20ss@Example.COM:8080/a/./b/../c?x=1&y=2#frag");
    eq(u.href, "https://user:pa%20ss@example.com:8080/a/c?x=1&y=2#frag");
    eq(u.protocol, "https:");
    eq(u.username, "user");
    eq(u.password, "pa%20ss");
    eq(u.host, "example.com:8080");
    eq(u.hostname, "example.com");
    eq(u.port, "8080");
    eq(u.pathname, "/a/c");
    eq(u.search, "?x=1&y=2");
    eq(u.hash, "#frag");
    eq(u.origin, "https://example.com:8080");
  });

  check("relative to a base (string or URL)", () => {
    eq(new URL("../d?q", "http://h/a/b/c").href, "http://h/a/d?q");
    eq(new URL("//other/x", new URL("https://h/")).href, "https://other/x");
    eq(new URL("http://x/", undefined).href, "http://x/");
  });

  check("IDNA, IPv4 and IPv6 hosts", () => {
    eq(new URL("http://faß.ExAmPlE/").hostname, "xn--fa-hia.example");
    eq(new URL("http://0x7f.1/").hostname, "127.0.0.1");
    eq(new URL("http://[0:0::1]:80/").host, "[::1]");
  });

  check("invalid input throws workerd's TypeErrors", () => {
    throwsType(() => new URL("not a url"), "Invalid URL string.");
    throwsType(() => new URL("/path", "also not a url"), "Invalid base URL string.");
    throwsType(() => new URL("http://a b/"), "Invalid URL string.");
    throwsType(() => new URL());
  });

  check("URL.canParse and URL.parse", () => {
    eq(URL.canParse("https://x"), true);
    eq(URL.canParse("x"), false);
    eq(URL.canParse("x", "https://h/"), true);
    eq(URL.parse("nope"), null);
    const u = URL.parse("/p", "https://h/q");
    eq(u instanceof URL, true);
    eq(u.href, "https://h/p");
  });

  check("origin", () => {
    eq(new URL("blob:https://example.com:443/uuid").origin, "https://example.com");
    eq(new URL("blob:ftp://host/x").origin, "null");
    eq(new URL("data:text/plain,hi").origin, "null");
    eq(new URL("file:///etc/hosts").origin, "null");
    eq(new URL("ws://h:80/").origin, "ws://h");
  });

  check("protocol setter follows the special-scheme rules", () => {
    const u = new URL("http://h:443/");
    u.protocol = "https";
    eq(u.href, "https://h/");
    u.protocol = "foo";
    eq(u.protocol, "https:");
    const f = new URL("https://user@h/");
    f.protocol = "file";
    eq(f.protocol, "https:");
    const n = new URL("foo://h/");
    n.protocol = "bar:ignored";
    eq(n.href, "bar://h/");
  });

  check("host, hostname and port setters", () => {
    const u = new URL("http://example.net:8080/p");
    u.host = "example.com";
    eq(u.href, "http://example.com:8080/p");
    u.host = "other.org:81";
    eq(u.host, "other.org:81");
    u.hostname = "x.y:99";
    eq(u.hostname, "other.org");
    u.port = "80";
    eq(u.port, "");
    u.port = "8080abc";
    eq(u.port, "8080");
    u.port = 99999;
    eq(u.port, "8080");
    u.port = "";
    eq(u.href, "http://other.org/p");
    const f = new URL("file:///tmp/x");
    f.port = "22";
    f.username = "me";
    eq(f.href, "file:///tmp/x");
  });

  check("credentials", () => {
    const u = new URL("https://h/");
    u.username = "a b@c";
    u.password = "p:w";
    eq(u.href, "https://a%20b%40c:p%3Aw@h/");
    u.username = "";
    u.password = "";
    eq(u.href, "https://h/");
  });

  check("pathname, search and hash setters", () => {
    const u = new URL("https://h/old?q#f");
    u.pathname = "a b/../c";
    eq(u.pathname, "/c");
    u.search = "x y=1";
    eq(u.search, "?x%20y=1");
    u.search = "";
    eq(u.href, "https://h/c#f");
    u.hash = "top";
    eq(u.hash, "#top");
    u.hash = "";
    eq(u.href, "https://h/c");
    const m = new URL("mailto:someone@example.com");
    m.pathname = "/x";
    eq(m.pathname, "someone@example.com");
    const d = new URL("data:space ?query");
    d.search = "";
    eq(d.href, "data:space%20");
  });

  check("href setter replaces the URL or throws", () => {
    const u = new URL("https://h/?a=1");
    const p = u.searchParams;
    u.href = "http://other/x?b=2";
    eq(u.host, "other");
    eq(p.get("b"), "2");
    eq(p.has("a"), false);
    throwsType(() => { u.href = "::"; }, "Invalid URL string.");
    eq(u.href, "http://other/x?b=2");
  });

  check("searchParams is live in both directions", () => {
    const u = new URL("https://h/p?a=1&b=2#h");
    const p = u.searchParams;
    eq(u.searchParams, p, "same object");
    eq(p.get("a"), "1");
    p.append("c", "x y");
    eq(u.href, "https://h/p?a=1&b=2&c=x+y#h");
    u.search = "?z=9";
    eq(p.get("z"), "9");
    eq(p.size, 1);
    p.delete("z");
    eq(u.href, "https://h/p#h");
    eq(u.search, "");
    p.set("k", "é");
    eq(u.search, "?k=%C3%A9");
  });

  check("URLSearchParams constructor forms", () => {
    eq(new URLSearchParams("?a=1&b=2").toString(), "a=1&b=2");
    eq(new URLSearchParams("a=1&&b").toString(), "a=1&b=");
    eq(new URLSearchParams([["a", "1"], ["a", 2]]).getAll("a").join(), "1,2");
    eq(new URLSearchParams({ x: "1", y: 2 }).toString(), "x=1&y=2");
    const src = new URLSearchParams("q=1");
    const copy = new URLSearchParams(src);
    copy.append("r", "2");
    eq(src.toString(), "q=1");
    eq(copy.toString(), "q=1&r=2");
    eq(new URLSearchParams(new Map([["m", "1"]])).get("m"), "1");
    eq(new URLSearchParams().size, 0);
    eq(new URLSearchParams(undefined).size, 0);
    throwsType(() => new URLSearchParams([["a"]]));
    throwsType(() => new URLSearchParams([1]));
  });

  check("urlencoded parsing", () => {
    const p = new URLSearchParams("a+b=c+d&e=%20%2B&f=%zz&g=%C3%A9&h=%C3&i=%E2%82&j=%F0%9F%92%A9&k==");
    eq(p.get("a b"), "c d");
    eq(p.get("e"), " +");
    eq(p.get("f"), "%zz");
    eq(p.get("g"), "é");
    eq(p.get("h"), "\ufffd");
    eq(p.get("i"), "\ufffd");
    eq(p.get("j"), "💩");
    eq(p.get("k"), "=");
    eq(p.get("missing"), null);
  });

  check("urlencoded serialising", () => {
    const p = new URLSearchParams();
    p.append("a b", "!'()~*-._");
    p.append("ü", "&=+%");
    p.append("lone", "\ud800x");
    eq(p.toString(), "a+b=%21%27%28%29%7E*-._&%C3%BC=%26%3D%2B%25&lone=%EF%BF%BDx");
  });

  check("delete and has with a value", () => {
    const p = new URLSearchParams("a=1&a=2&b=1");
    eq(p.has("a", "2"), true);
    eq(p.has("a", "3"), false);
    p.delete("a", "1");
    eq(p.toString(), "a=2&b=1");
    p.delete("a");
    eq(p.toString(), "b=1");
  });

  check("set replaces the first and drops the rest", () => {
    const p = new URLSearchParams("a=1&b=2&a=3");
    p.set("a", "x");
    eq(p.toString(), "a=x&b=2");
    p.set("c", "y");
    eq(p.toString(), "a=x&b=2&c=y");
  });

  check("sort is stable by UTF-16 code units", () => {
    const p = new URLSearchParams("z=1&a=2&z=0&\uFFFD=3&\uD83D\uDE00=4&a=1");
    p.sort();
    eq([...p.keys()].join(","), "a,a,z,z,\uD83D\uDE00,\uFFFD");
    eq(p.getAll("a").join(), "2,1");
    eq(p.getAll("z").join(), "1,0");
  });

  check("iteration", () => {
    const p = new URLSearchParams("a=1&b=2");
    eq(JSON.stringify([...p]), '[["a","1"],["b","2"]]');
    eq([...p.values()].join(), "1,2");
    eq(JSON.stringify([...p.entries()]), '[["a","1"],["b","2"]]');
    const seen = [];
    p.forEach(function (v, k, obj) { seen.push(k + v, obj === p, this.tag); }, { tag: "t" });
    eq(seen.join(), "a1,true,t,b2,true,t");
    const it = p.keys();
    eq(Object.prototype.toString.call(it), "[object URLSearchParams Iterator]");
    eq(typeof it[Symbol.iterator], "function");
    eq(it.next().value, "a");
    p.append("c", "3");
    eq([...it].join(), "b,c", "live iterator");
  });

  check("class shape", () => {
    const u = new URL("https://h/");
    eq(Object.prototype.toString.call(u), "[object URL]");
    eq(Object.prototype.toString.call(u.searchParams), "[object URLSearchParams]");
    eq(Object.keys(u).length, 0);
    eq(typeof Object.getOwnPropertyDescriptor(URL.prototype, "href").set, "function");
    eq(typeof Object.getOwnPropertyDescriptor(URL.prototype, "origin").set, "undefined");
    eq(Object.getOwnPropertyDescriptor(URLSearchParams.prototype, Symbol.iterator).value, URLSearchParams.prototype.entries);
    eq(String(u), "https://h/");
    eq(JSON.stringify({ u }), '{"u":"https://h/"}');
    throwsType(() => Object.getOwnPropertyDescriptor(URL.prototype, "href").get.call({}));
    class Sub extends URL {
      get twice() { return this.href + this.href; }
    }
    const s = new Sub("a:b");
    eq(s instanceof URL, true);
    eq(s.twice, "a:ba:b");
  });

  check("lone surrogates become U+FFFD", () => {
    eq(new URL("https://h/\ud800").pathname, "/%EF%BF%BD");
    eq(new URLSearchParams("\udc00=1").has("\ufffd"), true);
  });

  globalThis.__report(results);
}

// HTMLRewriter outputs, checked against what Workers' lol-html produces for
// the same handlers.
async function rewrite(rewriter, html, chunkSize = 0) {
  let body = html;
  if (chunkSize > 0) {
    const bytes = new TextEncoder().encode(html);
    body = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += chunkSize) c.enqueue(bytes.slice(i, i + chunkSize));
        c.close();
      },
    });
  }
  const res = rewriter.transform(new Response(body, { headers: { "content-type": "text/html" } }));
  return res.text();
}

test("setAttribute, getAttribute and attributes on matched elements", async () => {
  const seen = [];
  const out = await rewrite(new HTMLRewriter().on("a[href^='http:']", {
    element(el) {
      seen.push([el.tagName, el.getAttribute("href"), el.hasAttribute("id"), [...el.attributes].length]);
      el.setAttribute("href", el.getAttribute("href").replace("http:", "https:"));
    },
  }), `<p><a href="http://x.test/a" class=k>one</a> <a href="/rel">two</a></p>`);
  assert.equal(out, `<p><a href="https://x.test/a" class="k">one</a> <a href="/rel">two</a></p>`);
  assert.deepEqual(seen, [["a", "http://x.test/a", false, 2]]);
});

test("unmatched markup passes through byte for byte, across any chunking", async () => {
  const html = `<!DOCTYPE html><html><head><title>T &amp; t</title><script>if (a < b) x = "</div>";</script></head>` +
    `<BODY class="x"  data-y='1'><!-- c --><DIV ID=up>Up</DIV><p>Hi <b>there</b>&nbsp;é</p><img src=a.png><br/></body></html>`;
  const rw = () => new HTMLRewriter().on("nothing-matches", { element() {} });
  assert.equal(await rewrite(rw(), html), html);
  assert.equal(await rewrite(rw(), html, 3), html);
});

test("before/after/prepend/append with text and html content", async () => {
  const out = await rewrite(new HTMLRewriter().on("div", {
    element(el) {
      el.before("<b>", { html: true });
      el.after("</b>", { html: true });
      el.prepend("<x>");
      el.append("<i>end</i>", { html: true });
    },
  }), `<div>mid</div>`);
  assert.equal(out, `<b><div>&lt;x&gt;mid<i>end</i></div></b>`);
});

test("replace, remove, setInnerContent and removeAndKeepContent", async () => {
  const out = await rewrite(new HTMLRewriter()
    .on("#r", { element(el) { el.replace("<em>new</em>", { html: true }); } })
    .on("#d", { element(el) { el.remove(); } })
    .on("#s", { element(el) { el.setInnerContent("inner & text"); } })
    .on("#k", { element(el) { el.removeAndKeepContent(); } }),
  `<p id="r">old <b>x</b></p><p id="d">gone<span>too</span></p><p id="s">was <i>here</i></p><p id="k">kept <b>b</b></p>`, 5);
  assert.equal(out, `<em>new</em><p id="s">inner &amp; text</p>kept <b>b</b>`);
});

test("selectors: class, child, descendant, attribute operators, nth-child, not", async () => {
  const hits = [];
  const rw = new HTMLRewriter();
  const sels = ["ul > li.a", "div span", "[lang|=en]", "[data-x$=z]", "[data-x*=y]", "[data-x~=q]", "li:nth-child(2)", "li:first-child", "li:not(.a)", "*[id]"];
  for (const s of sels) rw.on(s, { element(el) { hits.push(`${s}=${el.getAttribute("id")}`); } });
  await rewrite(rw, `<div><ul><li id=1 class="a b">x</li><li id=2 class=c>y</li></ul><p><span id=3 lang=en-GB data-x="q yz">s</span></p></div><span id=4></span>`);
  assert.deepEqual(hits, [
    "ul > li.a=1", "li:first-child=1", "*[id]=1",
    "li:nth-child(2)=2", "li:not(.a)=2", "*[id]=2",
    "div span=3", "[lang|=en]=3", "[data-x$=z]=3", "[data-x*=y]=3", "[data-x~=q]=3", "*[id]=3",
    "*[id]=4",
  ]);
});

test("an invalid selector throws at on()", () => {
  assert.throws(() => new HTMLRewriter().on("div:hover", {}), TypeError);
  assert.throws(() => new HTMLRewriter().on("a[", {}), TypeError);
});

test("text chunks end with lastInTextNode and can be replaced", async () => {
  const chunks = [];
  const out = await rewrite(new HTMLRewriter().on("p", {
    text(t) {
      chunks.push([t.text, t.lastInTextNode]);
      if (t.text.includes("world")) t.replace(t.text.replace("world", "Outpost"));
    },
  }), `<p>hello world</p><div>not this</div><p>a<b>b</b></p>`);
  assert.equal(out, `<p>hello Outpost</p><div>not this</div><p>a<b>b</b></p>`);
  assert.deepEqual(chunks, [["hello world", false], ["", true], ["a", false], ["", true], ["b", false], ["", true]]);
});

test("comments can be read, changed and removed", async () => {
  const out = await rewrite(new HTMLRewriter()
    .on("div", { comments(c) { if (c.text.trim() === "drop") c.remove(); else c.text = c.text.toUpperCase(); } }),
  `<!-- top --><div><!-- drop --><!-- keep --></div>`);
  assert.equal(out, `<!-- top --><div><!-- KEEP --></div>`);
});

test("onEndTag handlers see the end tag and can add around it", async () => {
  const out = await rewrite(new HTMLRewriter().on("section", {
    element(el) {
      el.onEndTag((end) => {
        end.before("<footer>f</footer>", { html: true });
        end.after("!");
      });
    },
  }), `<section><h1>x</h1></section>`);
  assert.equal(out, `<section><h1>x</h1><footer>f</footer></section>!`);
});

test("onEndTag on a void element throws", async () => {
  await assert.rejects(rewrite(new HTMLRewriter().on("br", { element(el) { el.onEndTag(() => {}); } }), "<br>"), TypeError);
});

test("async handlers run in document order", async () => {
  const out = await rewrite(new HTMLRewriter().on("span", {
    async element(el) {
      await new Promise((r) => setTimeout(r, 1));
      el.setInnerContent(String(Number(el.getAttribute("n")) * 2));
    },
  }), `<span n=1>?</span><span n=2>?</span><span n=3>?</span>`, 7);
  assert.equal(out, `<span n=1>2</span><span n=2>4</span><span n=3>6</span>`);
});

test("handler objects are called as methods", async () => {
  class Counter {
    constructor() { this.n = 0; }
    element() { this.n++; }
  }
  const c = new Counter();
  await rewrite(new HTMLRewriter().on("i", c), "<i></i><i></i>");
  assert.equal(c.n, 2);
});

test("onDocument sees doctype, text, comments and end", async () => {
  const seen = [];
  const out = await rewrite(new HTMLRewriter().onDocument({
    doctype(d) { seen.push(["doctype", d.name, d.publicId, d.systemId]); },
    comments(c) { seen.push(["comment", c.text]); },
    text(t) { if (t.text) seen.push(["text", t.text]); },
    end(e) { e.append("<!-- end -->", { html: true }); },
  }), `<!DOCTYPE html><p>x</p><!--c-->`);
  assert.equal(out, `<!DOCTYPE html><p>x</p><!--c--><!-- end -->`);
  assert.deepEqual(seen, [["doctype", "html", null, null], ["text", "x"], ["comment", "c"]]);
});

test("tagName can be changed, end tag follows", async () => {
  const out = await rewrite(new HTMLRewriter().on("b", { element(el) { el.tagName = "strong"; } }), `<p><b class=x>bold</b></p>`);
  assert.equal(out, `<p><strong class="x">bold</strong></p>`);
});

test("a handler that throws errors the body", async () => {
  await assert.rejects(rewrite(new HTMLRewriter().on("p", { element() { throw new Error("boom"); } }), "<p>x</p>"), /boom/);
});

test("transform keeps status and headers and drops Content-Length", async () => {
  const res = new HTMLRewriter().on("p", { element() {} }).transform(new Response("<p>x</p>", { status: 201, headers: { "x-a": "1", "content-length": "8" } }));
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-a"), "1");
  assert.equal(res.headers.get("content-length"), null);
  assert.equal(await res.text(), "<p>x</p>");
});

test("responses that cannot have a body are returned as they are", async () => {
  const r = new Response(null, { status: 204 });
  assert.equal(new HTMLRewriter().on("p", { element() {} }).transform(r), r);
  const used = new Response("<p>x</p>");
  await used.text();
  assert.throws(() => new HTMLRewriter().transform(used), TypeError);
});

test("a body-less 200 still runs the document end handlers", async () => {
  const res = new HTMLRewriter().onDocument({ end(e) { e.append("<p>added</p>", { html: true }); } }).transform(new Response(null));
  assert.equal(await res.text(), "<p>added</p>");
});

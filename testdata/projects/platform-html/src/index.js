// Rewrites the origin's HTML on the way through, as a Workers HTMLRewriter
// site would: links made absolute to https, a banner injected, analytics
// removed, the title counted with an async handler.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const origin = await fetch(env.ORIGIN + url.pathname);
    let links = 0;
    return new HTMLRewriter()
      .on("a[href^='http://']", {
        element(el) {
          links++;
          el.setAttribute("href", el.getAttribute("href").replace("http://", "https://"));
        },
      })
      .on("body", {
        async element(el) {
          await new Promise((r) => setTimeout(r, 1));
          el.prepend(`<div class="banner">Served by Outpost</div>`, { html: true });
          el.onEndTag((end) => end.before(`<footer>${links} links rewritten</footer>`, { html: true }));
        },
      })
      .on("script[src*=analytics]", { element(el) { el.remove(); } })
      .on("title", { text(t) { if (t.text) t.replace(t.text.toUpperCase()); } })
      .onDocument({ end(end) { end.append("<!-- rewritten -->", { html: true }); } })
      .transform(origin);
  },
};

// Answers with its version, and keeps a request open for a while when
// asked (to show that requests in flight finish on the version they began on).
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const wait = Number(url.searchParams.get("wait") ?? "0");
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (url.pathname === "/kv") {
      if (!env.STORE) return new Response("no KV binding", { status: 500 });
      if (request.method === "PUT") {
        await env.STORE.put(url.searchParams.get("key"), await request.text());
        return new Response("stored");
      }
      const v = await env.STORE.get(url.searchParams.get("key"));
      return new Response(v ?? "missing", { status: v === null ? 404 : 200 });
    }
    return new Response("version " + env.VERSION);
  },
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/send") {
      await env.PULLED.sendBatch([
        { body: { n: 0 }, contentType: "json" },
        { body: "hello", contentType: "text" },
        { body: new Uint8Array([1, 2, 3]), contentType: "bytes" },
      ]);
      return new Response("sent");
    }
    if (url.pathname === "/pushed") {
      return new Response((await env.LOG.get("pushed")) ?? "none");
    }
    return new Response("not found", { status: 404 });
  },
  // Never called: the queue's consumer is type = "http_pull".
  async queue(batch, env) {
    await env.LOG.put("pushed", String(batch.messages.length));
  },
};

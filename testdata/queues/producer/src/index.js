// Sends to the queues the consumer worker (../consumer) consumes, and
// reads back what the consumer wrote to KV.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = url.searchParams;
    switch (url.pathname) {
      case "/types":
        await env.JOBS.send({ kind: "json", n: 1 });
        await env.JOBS.send("some text", { contentType: "text" });
        await env.JOBS.send(new Uint8Array([1, 2, 255]), { contentType: "bytes" });
        await env.JOBS.send({ when: new Date(86400000), set: new Set([1, 2]) }, { contentType: "v8" });
        return new Response("sent");
      case "/flaky":
        await env.FLAKY.send({ kind: q.get("kind") });
        return new Response("sent");
      case "/batch": {
        const n = Number(q.get("n"));
        await env[q.get("binding")].sendBatch(Array.from({ length: n }, (_, i) => ({ body: { kind: "batch", i } })));
        return new Response("sent");
      }
      case "/send": {
        const delay = q.get("delay");
        await env[q.get("binding")].send({ kind: q.get("kind") }, delay === null ? undefined : { delaySeconds: Number(delay) });
        return new Response("sent");
      }
      case "/metrics": {
        const before = await env.UNREAD.metrics();
        const sent = await env.UNREAD.send("abc", { contentType: "text" });
        const batch = await env.UNREAD.sendBatch([{ body: "de", contentType: "text" }]);
        const after = await env.UNREAD.metrics();
        return Response.json({ before, sent, batch, after, isDate: after.oldestMessageTimestamp instanceof Date });
      }
      case "/too-big":
        try {
          await env.JOBS.send("x".repeat(128001), { contentType: "text" });
          return new Response("accepted");
        } catch (e) {
          return new Response(`${e.name}: ${e.message}`);
        }
      case "/log": {
        const { keys } = await env.LOG.list({ prefix: q.get("prefix") ?? "" });
        const out = [];
        for (const k of keys) out.push(await env.LOG.get(k.name, "json"));
        return Response.json(out);
      }
    }
    return new Response("not found", { status: 404 });
  },
};

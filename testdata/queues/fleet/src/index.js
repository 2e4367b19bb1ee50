// One worker run on two `outpost serve` nodes sharing PostgreSQL. The
// node named by env.NODE = "a" never finishes a batch (it is killed in
// the middle of one); every delivery is recorded in KV.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/send") {
      const n = Number(url.searchParams.get("n"));
      await env.WORK.sendBatch(Array.from({ length: n }, (_, i) => ({ body: { n: i } })));
      return new Response("sent");
    }
    if (url.pathname === "/log") {
      const out = [];
      let cursor;
      do {
        const page = await env.LOG.list({ prefix: url.searchParams.get("prefix") ?? "", cursor });
        for (const k of page.keys) out.push(k.name);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return Response.json(out);
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch, env) {
    for (const m of batch.messages) await env.LOG.put(`start:${env.NODE}:${m.body.n}:${m.attempts}`, "");
    if (env.NODE === "a") await new Promise((resolve) => setTimeout(resolve, 600_000)); // killed before
    for (const m of batch.messages) await env.LOG.put(`end:${env.NODE}:${m.body.n}:${m.attempts}`, "");
  },
};

// Queues end to end: GET /send?n=N sends N messages (sendBatch when N > 1,
// send() for one); the consumer of the same queue tells the harness how
// many it received (env.ORIGIN/consumed, a Go server in the harness).
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === "/send") {
      const n = Number(url.searchParams.get("n") ?? "1");
      if (n === 1) await env.Q.send({ at: Date.now(), i: 0 });
      else await env.Q.sendBatch(Array.from({ length: n }, (_, i) => ({ body: { at: Date.now(), i } })));
      return new Response("sent");
    }
    return new Response("ready");
  },
  async queue(batch, env) {
    let sum = 0;
    for (const m of batch.messages) sum += m.body.i >= 0 ? 1 : 0;
    const res = await fetch(`${env.ORIGIN}/consumed?n=${sum}`);
    await res.arrayBuffer();
  },
};

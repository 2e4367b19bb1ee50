// KV through the binding: GET /get reads one small key (seeded by /seed),
// GET /put writes a small value to one of 1,000 keys in turn.
const KEY = "bench:small";
const VALUE = "a small value of about forty bytes......";
let n = 0;

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (pathname === "/seed") {
      await env.KV.put(KEY, VALUE);
      return new Response("seeded");
    }
    if (pathname === "/get") {
      const v = await env.KV.get(KEY);
      if (v === null) return new Response("missing " + KEY, { status: 500 });
      return new Response(v);
    }
    if (pathname === "/put") {
      await env.KV.put(`bench:put:${n++ % 1000}`, VALUE);
      return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  },
};

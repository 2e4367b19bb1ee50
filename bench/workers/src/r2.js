// R2 through the binding: /seed stores the objects the gets read,
// /get-1k and /get-1m stream one back, /put-1k and /put-1m write one of
// 1,000 keys in turn (the body is made once, in the worker).
const SIZES = { "1k": 1024, "1m": 1024 * 1024 };
const bodies = {};
for (const [name, size] of Object.entries(SIZES)) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  bodies[name] = b;
}
let n = 0;

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (pathname === "/seed") {
      for (const name of Object.keys(SIZES)) await env.R2.put(`bench/${name}`, bodies[name]);
      return new Response("seeded");
    }
    const [, op, size] = pathname.match(/^\/(get|put)-(1k|1m)$/) ?? [];
    if (op === "get") {
      const o = await env.R2.get(`bench/${size}`);
      if (o === null) return new Response("missing", { status: 500 });
      return new Response(o.body, { headers: { etag: o.httpEtag } });
    }
    if (op === "put") {
      const o = await env.R2.put(`bench/put/${size}/${n++ % 1000}`, bodies[size]);
      return new Response(String(o.size));
    }
    return new Response("not found", { status: 404 });
  },
};

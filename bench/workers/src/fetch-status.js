// A subrequest whose body is never read: fetch() to the local origin
// (env.ORIGIN) for its status alone, as a webhook or a health check does.
export default {
  async fetch(req, env) {
    const res = await fetch(env.ORIGIN + "/data");
    return new Response(String(res.status), { headers: { "content-type": "text/plain" } });
  },
};

// A subrequest: fetch() to a local origin (env.ORIGIN, a Go server the
// harness starts) and return its body.
export default {
  async fetch(req, env) {
    const res = await fetch(env.ORIGIN + "/data");
    return new Response(await res.text(), { status: res.status, headers: { "content-type": "text/plain" } });
  },
};

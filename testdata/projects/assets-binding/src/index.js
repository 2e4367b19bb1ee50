// A worker with static assets: files answer before it runs, except under
// /app/ (run_worker_first), where it serves the shell through env.ASSETS.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/app/")) {
      const shell = await env.ASSETS.fetch(new URL("/", request.url));
      const res = new Response(shell.body, shell);
      res.headers.set("x-served-by", "worker");
      return res;
    }
    if (url.pathname === "/via-binding") {
      const res = await env.ASSETS.fetch(new Request(new URL(url.searchParams.get("path"), request.url), { headers: request.headers }));
      return new Response(`${res.status} ${res.headers.get("location") ?? ""} ${(await res.text()).trim()}`);
    }
    return new Response(`worker: ${url.pathname}`);
  },
};

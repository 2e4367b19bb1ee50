interface Env {
  GREETING: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    return new Response(`${env.GREETING}, ${name}! (${request.method} ${url.pathname})\n`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};

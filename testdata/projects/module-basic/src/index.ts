interface Env {
  GREETING: string;
  SETTINGS: { retries: number; regions: string[] };
  API_TOKEN: string;
}

// Module-scope state lives as long as the instance.
let hits = 0;
let background = "none";

function fail(): never {
  throw new Error("boom from the worker");
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response("Hello from a module worker!");
      case "/env":
        return Response.json({ greeting: env.GREETING, settings: env.SETTINGS, token: env.API_TOKEN });
      case "/count":
        hits++;
        return new Response(String(hits));
      case "/echo": {
        const body = await request.text();
        return new Response(body, {
          status: 201,
          headers: { "x-method": request.method, "content-type": request.headers.get("content-type") ?? "none" },
        });
      }
      case "/stream": {
        const { readable, writable } = new TransformStream();
        const writer = writable.getWriter();
        const enc = new TextEncoder();
        ctx.waitUntil((async () => {
          for (let i = 0; i < 3; i++) {
            await writer.write(enc.encode(`chunk ${i}\n`));
            await new Promise((r) => setTimeout(r, 50));
          }
          await writer.close();
        })());
        return new Response(readable, { headers: { "content-type": "text/plain" } });
      }
      case "/throw":
        fail();
      case "/wait": {
        ctx.waitUntil(new Promise<void>((resolve) => setTimeout(() => { background = "done at " + Date.now(); resolve(); }, 300)));
        return new Response("responded");
      }
      case "/background":
        return new Response(background);
      case "/wait-fail":
        ctx.waitUntil(Promise.reject(new Error("background task failed")));
        return new Response("ok");
      case "/fetch": {
        const target = url.searchParams.get("url")!;
        const init: RequestInit = { redirect: (url.searchParams.get("redirect") as RequestRedirect) ?? "follow" };
        const timeout = url.searchParams.get("timeout");
        if (timeout) init.signal = AbortSignal.timeout(Number(timeout));
        try {
          const res = await fetch(target, init);
          const text = await res.text();
          return Response.json({ status: res.status, redirected: res.redirected, url: res.url, location: res.headers.get("location"), body: text });
        } catch (e: any) {
          return Response.json({ error: e.name + ": " + e.message }, { status: 502 });
        }
      }
      case "/fetch-status": {
        // The origin's body is never read: the invocation ends with it.
        const res = await fetch(url.searchParams.get("url")!);
        return new Response(String(res.status));
      }
      case "/proxy-stream":
        // The origin's body streams through without being buffered.
        return fetch(url.searchParams.get("url")!);
      case "/self":
        // A subrequest to the worker's own host goes to the origin.
        return fetch(request.url.replace("/self", "/from-self"));
      case "/loop":
        while (true) {}
      case "/not-a-response":
        return "just a string" as unknown as Response;
      default:
        return new Response("not found", { status: 404 });
    }
  },
};

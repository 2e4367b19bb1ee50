interface Env {
  AUTH: { fetch(input: RequestInfo, init?: RequestInit): Promise<Response> };
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response("api here");
      case "/whoami": {
        // A service binding: the auth worker runs in the same process.
        const res = await env.AUTH.fetch("https://auth.internal/check?user=ada", {
          method: "POST",
          headers: { "x-caller": "api" },
          body: "token-123",
        });
        const body = await res.json<{ user: string; caller: string; body: string }>();
        return Response.json({ status: res.status, header: res.headers.get("x-auth"), ...body });
      }
      case "/auth-throws":
        try {
          await env.AUTH.fetch("https://auth.internal/throw");
          return new Response("no error");
        } catch (e) {
          return new Response("caught: " + (e as Error).message, { status: 502 });
        }
      case "/slow": {
        const ms = Number(url.searchParams.get("ms") ?? "1500");
        await new Promise((r) => setTimeout(r, ms));
        return new Response("slow done");
      }
      case "/wait-until": {
        // The response goes out at once; the report follows after a delay.
        const target = url.searchParams.get("report")!;
        ctx.waitUntil(
          new Promise((r) => setTimeout(r, 1500)).then(() => fetch(target, { method: "POST", body: "waitUntil finished" })),
        );
        return new Response("accepted", { status: 202 });
      }
      case "/log":
        console.log("hello from api", url.searchParams.get("n"));
        return new Response("logged");
      case "/throw":
        throw new Error("api failed on purpose");
      case "/fetch":
        try {
          const res = await fetch(url.searchParams.get("target")!);
          return new Response("fetched " + res.status);
        } catch (e) {
          return new Response("fetch failed: " + (e as Error).message, { status: 502 });
        }
      case "/burn": {
        // Busy for ms milliseconds of CPU, under the limit.
        const until = Date.now() + Number(url.searchParams.get("ms") ?? "100");
        let x = 0;
        while (Date.now() < until) x = (x + 1) % 1000003;
        return new Response("burned " + (x >= 0));
      }
      case "/echo-size":
        return new Response(String((await request.arrayBuffer()).byteLength));
      case "/grow": {
        // Keeps memory alive at module scope so the instance outgrows its limit.
        const mb = Number(url.searchParams.get("mb") ?? "8");
        hoard.push(new Uint8Array(mb << 20).fill(1));
        return new Response(`hoarding ${hoard.length} chunks`);
      }
    }
    return new Response("not found", { status: 404 });
  },
};

const hoard: Uint8Array[] = [];

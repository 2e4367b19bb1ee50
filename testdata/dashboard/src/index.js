import { DurableObject } from "cloudflare:workers";

// A small worker with one of each kind of state the explorer shows.
export class Counter extends DurableObject {
  async increment() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/note") {
      const name = url.searchParams.get("name") ?? "greeting";
      console.log(`reading note ${name}`);
      const value = await env.NOTES.get(name);
      return new Response(value ?? "(none)", { status: value === null ? 404 : 200 });
    }
    if (url.pathname === "/count") {
      return Response.json(await env.COUNTER.getByName("global").increment());
    }
    if (url.pathname === "/items") {
      const { results } = await env.DB.prepare("SELECT name FROM items ORDER BY name").all();
      return Response.json(results.map((r) => r.name));
    }
    if (url.pathname.startsWith("/files/")) {
      const object = await env.FILES.get(decodeURIComponent(url.pathname.slice("/files/".length)));
      if (object === null) return new Response("no such file", { status: 404 });
      const headers = new Headers();
      object.writeHttpMetadata(headers);
      headers.set("etag", object.httpEtag);
      return new Response(object.body, { headers });
    }
    if (url.pathname === "/job") {
      await env.JOBS.send({ at: Date.now() });
      return new Response("queued");
    }
    if (url.pathname === "/fetch") {
      const upstream = await fetch(url.searchParams.get("url"));
      return new Response(`upstream said ${upstream.status}`);
    }
    if (url.pathname === "/boom") {
      throw new TypeError("the note is missing");
    }
    return new Response(`${env.GREETING} from the explorer demo`);
  },
  async scheduled(controller) {
    console.log(`cron ${controller.cron}`);
  },
};

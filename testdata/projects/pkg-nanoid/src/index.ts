// nanoid in a link shortener backed by KV.
import { nanoid, customAlphabet } from "nanoid";

type Env = { LINKS: KVNamespace };

const shortId = customAlphabet("0123456789abcdefghjkmnpqrstvwxyz", 8);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/ids") {
      const n = Number(url.searchParams.get("n") ?? "1");
      const size = url.searchParams.get("size");
      const ids = Array.from({ length: n }, () => (size ? nanoid(Number(size)) : nanoid()));
      return Response.json(ids);
    }
    if (url.pathname === "/links" && request.method === "POST") {
      const { target } = await request.json<{ target: string }>();
      const id = shortId();
      await env.LINKS.put(id, target, { metadata: { created: "now" } });
      return Response.json({ id, short: new URL("/" + id, url).href }, { status: 201 });
    }
    const target = await env.LINKS.get(url.pathname.slice(1));
    if (target) return Response.redirect(target, 302);
    return new Response("unknown link", { status: 404 });
  },
};

// A small HTTP API over env.STORE, so tests can drive every KV call.
interface Env {
  STORE: KVNamespace;
}

async function handle(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const q = url.searchParams;
  const [, route, ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  switch (`${request.method} ${route}`) {
    case "PUT kv": {
      const opts: KVNamespacePutOptions = {};
      if (q.has("ttl")) opts.expirationTtl = Number(q.get("ttl"));
      if (q.has("expiration")) opts.expiration = Number(q.get("expiration"));
      if (q.has("metadata")) opts.metadata = JSON.parse(q.get("metadata")!);
      const value = q.get("as") === "stream" ? request.body! : q.get("as") === "bytes" ? new Uint8Array(await request.arrayBuffer()) : await request.text();
      await env.STORE.put(key, value, opts);
      return new Response("stored", { status: 201 });
    }
    case "GET kv": {
      const type = (q.get("type") ?? "text") as "text";
      const value = await env.STORE.get(key, { type });
      if (value === null) return new Response("null", { status: 404 });
      if (type === ("json" as string)) return Response.json({ json: value });
      if (type === ("arrayBuffer" as string)) return new Response(`bytes:${(value as unknown as ArrayBuffer).byteLength}`);
      if (type === ("stream" as string)) return new Response(value as unknown as ReadableStream);
      return new Response(value);
    }
    case "GET meta": {
      const { value, metadata, cacheStatus } = await env.STORE.getWithMetadata(key);
      return Response.json({ value, metadata, cacheStatus });
    }
    case "DELETE kv":
      await env.STORE.delete(key);
      return new Response("deleted");
    case "GET list": {
      const opts: KVNamespaceListOptions = {};
      if (q.has("prefix")) opts.prefix = q.get("prefix")!;
      if (q.has("limit")) opts.limit = Number(q.get("limit"));
      if (q.has("cursor")) opts.cursor = q.get("cursor")!;
      return Response.json(await env.STORE.list(opts));
    }
    case "GET bulk": {
      const keys = q.get("keys")!.split(",");
      const map = await env.STORE.get(keys);
      return Response.json(Object.fromEntries(map));
    }
  }
  return new Response("no route", { status: 404 });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch (e: any) {
      return Response.json({ name: e.name, message: e.message }, { status: 400 });
    }
  },
};

// Service-worker syntax: the bucket is the global FILES.
addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});

async function handle(request) {
  const key = new URL(request.url).pathname.slice(1);
  if (request.method === "PUT") {
    const o = await FILES.put(key, request.body, { httpMetadata: request.headers });
    return new Response(o.etag, { status: 201 });
  }
  const o = await FILES.get(key);
  if (o === null) return new Response("not found", { status: 404 });
  const headers = new Headers();
  o.writeHttpMetadata(headers);
  return new Response(o.body, { headers });
}

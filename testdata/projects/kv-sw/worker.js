// Service-worker syntax: the KV binding is a global.
addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});

async function handle(request) {
  const url = new URL(request.url);
  if (request.method === "POST") {
    await TODO.put("todo:" + url.searchParams.get("id"), await request.text());
    return new Response("saved");
  }
  const list = await TODO.list({ prefix: "todo:" });
  const items = await Promise.all(list.keys.map(async (k) => [k.name, await TODO.get(k.name)]));
  return Response.json(Object.fromEntries(items));
}

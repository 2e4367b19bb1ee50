// A worker whose KV namespace the attacker next to it must not reach.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST") {
      // What another worker sent: only bytes cross a service binding.
      return new Response(`received ${await request.text()}`);
    }
    if (request.method === "PUT") {
      await env.DATA.put(url.searchParams.get("key"), await request.text());
      return new Response("stored", { status: 201 });
    }
    const keys = (await env.DATA.list()).keys.map((k) => k.name);
    return Response.json({ value: await env.DATA.get(url.searchParams.get("key")), keys });
  },
};

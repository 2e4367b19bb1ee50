// Responses for the compression tests: what a worker sends, and what
// Cloudflare's edge makes of it for the client.
const text = Array.from({ length: 300 }, (_, i) => `line ${i} of a compressible body`).join("\n");

async function gzipped(s) {
  const stream = new Blob([s]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/text":
        return new Response(text, { headers: { "Content-Type": "text/plain; charset=utf-8", ETag: '"v1"' } });
      case "/small":
        return new Response("short", { headers: { "Content-Type": "text/plain" } });
      case "/image":
        return new Response(new Uint8Array(4096).fill(7), { headers: { "Content-Type": "image/png" } });
      case "/no-transform":
        return new Response(text, { headers: { "Content-Type": "text/plain", "Cache-Control": "public, no-transform" } });
      case "/labelled": {
        // A plain body labelled with an encoding: the runtime encodes it.
        const enc = url.searchParams.get("enc");
        return new Response(text, { headers: { "Content-Type": "application/octet-stream", "Content-Encoding": enc } });
      }
      case "/manual":
        // Already gzip: sent as it is.
        return new Response(await gzipped(text), {
          encodeBody: "manual",
          headers: { "Content-Type": "text/plain", "Content-Encoding": "gzip" },
        });
      case "/bad-encode-body":
        try {
          new Response("x", { encodeBody: "sometimes" });
          return new Response("accepted");
        } catch (e) {
          return new Response(`${e.name}: ${e.message}`);
        }
      case "/stream": {
        // Three chunks 300 ms apart: the client must see each as it comes.
        const { readable, writable } = new TransformStream();
        const writer = writable.getWriter();
        const enc = new TextEncoder();
        (async () => {
          for (let i = 0; i < 3; i++) {
            await writer.write(enc.encode(`chunk ${i}\n`));
            await new Promise((r) => setTimeout(r, 300));
          }
          await writer.close();
        })();
        return new Response(readable, { headers: { "Content-Type": "text/plain" } });
      }
      case "/echo":
        // The request body streamed back as it arrives.
        return new Response(request.body.pipeThrough(new TransformStream()), { headers: { "Content-Type": "text/plain" } });
      case "/r2-put":
        // A precompressed object, as sites keep them in R2.
        await env.BUCKET.put("text.gz", await gzipped(text), { httpMetadata: { contentType: "text/plain", contentEncoding: "gzip" } });
        return new Response("stored");
      case "/r2-get": {
        const obj = await env.BUCKET.get("text.gz");
        const headers = new Headers();
        obj.writeHttpMetadata(headers);
        return new Response(obj.body, { headers });
      }
      case "/r2-text":
        return new Response((await (await env.BUCKET.get("text.gz")).text()).slice(0, 20));
      case "/headers":
        return Response.json({ acceptEncoding: request.headers.get("Accept-Encoding"), clientAcceptEncoding: request.cf.clientAcceptEncoding });
      case "/proxy": {
        // The origin's gzip answer returned unread: its bytes go on as they are.
        return fetch(url.searchParams.get("url"), { headers: { "Accept-Encoding": "gzip" } });
      }
      case "/proxy-read": {
        // Read in the worker: decoded, as fetch() bodies are.
        const resp = await fetch(url.searchParams.get("url"), { headers: { "Accept-Encoding": "gzip" } });
        const body = await resp.text();
        return new Response(`${resp.headers.get("Content-Encoding")} ${body.length} ${body.slice(0, 20)}`);
      }
      case "/proxy-rewrap": {
        // A new Response around the origin's stream keeps its headers: the
        // body is decoded on the way in and encoded on the way out.
        const resp = await fetch(url.searchParams.get("url"), { headers: { "Accept-Encoding": "gzip" } });
        return new Response(resp.body.pipeThrough(new TransformStream()), resp);
      }
    }
    return new Response("not found", { status: 404 });
  },
};

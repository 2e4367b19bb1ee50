// Compression streams behind URLPattern routes.
const routes = [
  [new URLPattern({ pathname: "/gzip/:format(gzip|deflate|deflate-raw)?" }), compress],
  [new URLPattern({ pathname: "/gunzip" }), decompress],
  [new URLPattern({ pathname: "/generate/:kb(\\d+)" }), generate],
  [new URLPattern({ pathname: "/match/:rest*" }), (request, m) => Response.json(m.pathname.groups)],
];

function compress(request, m) {
  const format = m.pathname.groups.format ?? "gzip";
  return new Response(request.body.pipeThrough(new CompressionStream(format)), {
    headers: { "content-type": "application/octet-stream", "x-format": format },
  });
}

function decompress(request) {
  return new Response(request.body.pipeThrough(new DecompressionStream("gzip")), {
    headers: { "content-type": "text/plain" },
  });
}

// Streams kb kilobytes of text, gzipped as it is produced.
function generate(request, m) {
  const kb = Number(m.pathname.groups.kb);
  let i = 0;
  const line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_\n".repeat(16); // 1 KiB
  const source = new ReadableStream({
    pull(controller) {
      if (i++ >= kb) controller.close();
      else controller.enqueue(new TextEncoder().encode(line));
    },
  });
  return new Response(source.pipeThrough(new CompressionStream("gzip")), {
    headers: { "content-type": "application/gzip" },
  });
}

export default {
  async fetch(request) {
    for (const [pattern, handler] of routes) {
      const m = pattern.exec(request.url);
      if (m) return handler(request, m);
    }
    return new Response("no route", { status: 404 });
  },
};

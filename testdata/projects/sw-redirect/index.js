// The example from Cloudflare's guide to migrating from service workers to
// ES modules, in service-worker syntax.
async function handler(request) {
  const base = "https://example.com";
  const statusCode = 301;

  const source = new URL(request.url);
  const destination = new URL(source.pathname, base);
  return Response.redirect(destination.toString(), statusCode);
}

addEventListener("fetch", (event) => {
  event.respondWith(handler(event.request));
});

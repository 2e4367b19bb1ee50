// Service-worker syntax: some paths are answered, /fail passes through on
// exception, everything else is left to the origin (no respondWith).
addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.pathname === "/worker") {
    event.respondWith(new Response("answered by the worker"));
    return;
  }
  if (url.pathname === "/fail") {
    event.passThroughOnException();
    event.respondWith((async () => {
      await event.request.text(); // the body was read before the failure
      throw new Error("worker failed after reading the body");
    })());
  }
  // No respondWith: the request goes to the origin.
});

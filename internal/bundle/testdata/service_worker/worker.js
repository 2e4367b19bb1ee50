addEventListener("fetch", (event) => {
	event.respondWith(new Response("from a service worker"));
});

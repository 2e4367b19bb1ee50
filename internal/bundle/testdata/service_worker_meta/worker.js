addEventListener("fetch", (event) => {
	event.respondWith(new Response(String(import.meta.url)));
});

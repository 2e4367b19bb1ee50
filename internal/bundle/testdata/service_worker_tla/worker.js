const greeting = await Promise.resolve("hello");
addEventListener("fetch", (event) => {
	event.respondWith(new Response(greeting));
});

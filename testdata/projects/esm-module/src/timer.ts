// workerd refuses timers while a worker starts, so this await cannot settle.
await new Promise((resolve) => setTimeout(resolve, 10));

export default {
	fetch(): Response {
		return new Response("started");
	},
};

import { env } from "cloudflare:workers";

// Bindings do I/O for a request; there is none at the top level.
const greeting = await (env as { SETTINGS: KVNamespace }).SETTINGS.get("greeting");

export default {
	fetch(): Response {
		return new Response(greeting);
	},
};

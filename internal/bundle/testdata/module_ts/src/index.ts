import { greet } from "./greet";
import page from "./page.html";
import notes from "../notes.txt";
import blob from "./blob.bin";

interface Env {
	NAME: string;
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/page") return new Response(page);
		if (url.pathname === "/notes") return new Response(notes);
		if (url.pathname === "/blob") return new Response(String(blob.byteLength));
		if (url.pathname === "/throw") explode(url.pathname);
		return new Response(greet(env.NAME));
	},
};

function explode(where: string): never {
	throw new Error(`exploded at ${where}`);
}

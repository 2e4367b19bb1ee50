import { config, meta } from "./config";

// Top-level await: a dynamic import, a for await loop, and a value computed
// from an imported module's own top-level await.
const lazy = await import("./lazy");
let ticks = 0;
for await (const n of [1, 2, 3]) ticks += n;
export const answer = await Promise.resolve(config.base * 2);

export default {
	async fetch(request: Request): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/meta") {
			const m = import.meta as unknown as Record<string, unknown> & { resolve?: (s: string) => string };
			return Response.json({
				nullPrototype: Object.getPrototypeOf(m) === null,
				keys: Object.keys(m),
				sameInEveryModule: meta === import.meta,
				url: m.url ?? null,
				main: m.main ?? null,
				filename: m.filename ?? null,
				dirname: m.dirname ?? null,
				resolved: m.resolve ? [m.resolve("./lib/util.js"), m.resolve("fs"), m.resolve("node:sys")] : null,
			});
		}
		if (url.pathname === "/later") {
			const later = await import("./later");
			return new Response(later.value);
		}
		return Response.json({ answer, name: config.name, lazy: lazy.value, ticks });
	},
};

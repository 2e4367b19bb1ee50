import { shout } from "shouter";
import readme from "../README.md";
import wasm from "./empty.wasm?module";

addEventListener("fetch", (event) => {
	const mode = process.env.NODE_ENV;
	event.respondWith(new Response(shout(`${__VERSION__} ${mode} ${readme.length} ${wasm instanceof WebAssembly.Module}`)));
});

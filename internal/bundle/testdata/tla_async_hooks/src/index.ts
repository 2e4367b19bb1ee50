import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<string>();
const greeting = await Promise.resolve("hello");

export default {
	fetch(): Promise<Response> {
		return storage.run(greeting, async () => new Response(storage.getStore()));
	},
};

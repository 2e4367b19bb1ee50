import { Buffer } from "node:buffer";

declare const __GREETING__: string;

export default {
	fetch(): Response {
		return new Response(Buffer.from(__GREETING__).toString("hex"));
	},
};

import { greeting, runtime } from "tiny-greet";

export default {
	fetch() {
		return new Response(greeting("npm") + " on " + runtime);
	},
};

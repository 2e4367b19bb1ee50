export class Counter {
	count = 0;
}

export const version = "1";

export default {
	fetch() {
		return new Response(version);
	},
};

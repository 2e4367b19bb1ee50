export default {
	fetch(): Response {
		const x = ;
		return new Response("never");
	},
};

const answer = await Promise.resolve(42);

export default {
	fetch(): Response {
		return new Response(String(answer));
	},
};

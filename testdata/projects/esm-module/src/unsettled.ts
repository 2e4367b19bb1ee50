// A promise nothing will ever resolve.
export const never = await new Promise<string>(() => {});

export default {
	fetch(): Response {
		return new Response(never);
	},
};

export default {
	fetch(): Response {
		return new Response(<p>automatic</p>);
	},
};

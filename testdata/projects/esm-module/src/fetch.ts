// No I/O while a worker starts: fetch() is refused at the top level.
const settings = await fetch("http://127.0.0.1:9/settings.json");

export default {
	fetch(): Response {
		return new Response(settings.statusText);
	},
};

import { other } from "./other";

export default {
	fetch(): Response {
		return Response.json({ url: import.meta.url, same: other === import.meta, mode: import.meta.env.MODE });
	},
};

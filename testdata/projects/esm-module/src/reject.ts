async function loadSettings(): Promise<string> {
	throw new Error("settings are missing");
}

export const settings = await loadSettings();

export default {
	fetch(): Response {
		return new Response(settings);
	},
};

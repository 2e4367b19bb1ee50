const React = {
	createElement(tag: string, props: Record<string, unknown> | null, ...children: unknown[]): string {
		return `<${tag}>${children.join("")}</${tag}>`;
	},
	Fragment: "fragment",
};

export default {
	fetch(): Response {
		return new Response(<p>classic {1 + 1}</p>);
	},
};

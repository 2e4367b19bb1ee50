import { base } from "./base";

const lazy = await import("./lazy");
export const answer = await Promise.resolve(base * 2);
for await (const part of [lazy.word]) console.log(part);

export { answer as "the answer" };

export default {
	fetch(): Response {
		return new Response(`${answer} ${lazy.word}`);
	},
};

/*! base.ts: a legal comment, which esbuild moves to the end of the bundle */
export const base = await Promise.resolve(21);

export const base = await Promise.resolve(21);

export const word = await Promise.resolve("lazy");

const parts = await Promise.all([Promise.resolve("dynamic"), Promise.resolve("import")]);
export const value = parts.join(" ");

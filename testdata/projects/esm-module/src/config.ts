// An imported module with its own top-level await.
export const config = await Promise.resolve({ base: 21, name: "outpost" });

// The whole bundle is one module, as a wrangler bundle is on workerd.
export const meta = import.meta;

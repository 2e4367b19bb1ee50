// Imported only while handling a request: its top-level await may wait
// on a timer then.
await new Promise((resolve) => setTimeout(resolve, 5));
export const value = "loaded during a request";

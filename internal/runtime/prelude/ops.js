// The Go host installs its operations as a plain global before the prelude
// runs; capture them here and remove the global so worker code cannot reach them.
const ops = globalThis.__outpost_ops;
if (ops === null || typeof ops !== "object") {
  throw new Error("outpost prelude: globalThis.__outpost_ops is missing");
}
delete globalThis.__outpost_ops;

export default ops;

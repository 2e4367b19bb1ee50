// The static assets binding ([assets] binding = "ASSETS"): env.ASSETS.fetch()
// answers from the project's assets directory (ops.assetsFetch, installed
// by the host that serves the assets).
import ops from "./ops.js";
import { Fetcher } from "./fetcher.js";
import { registerBindingFactory } from "./bindings.js";

registerBindingFactory("assets", (name) => new Fetcher(
  name,
  (req) => ops.assetsFetch({ method: req.method, url: req.url, headers: req.headers }),
  () => (typeof ops.assetsFetch === "function" ? null : new Error(`env.${name}: static assets are not served by this host`)),
));

// The static assets binding ([assets] binding = "ASSETS"): env.ASSETS.fetch()
// answers from the project's assets directory (the host object's fetch,
// made by assetsbinding).
import { Fetcher } from "runtime:fetcher.js";
import { registerBindingFactory } from "runtime:bindings.js";

registerBindingFactory("assets", (name, host) => new Fetcher(
  name,
  (req) => host.fetch({ method: req.method, url: req.url, headers: req.headers }),
));

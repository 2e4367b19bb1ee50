// The static assets binding ([assets] binding = "ASSETS"): env.ASSETS.fetch()
// answers from the project's assets directory (ops.assetsFetch, installed
// by the host that serves the assets).
import ops from "./ops.js";
import { Request, kReq } from "./request.js";
import { responseFromHost } from "./response.js";
import { headerPairs } from "./headers.js";
import { registerBindingFactory } from "./bindings.js";

class AssetsFetcher {
  #binding;
  constructor(binding) {
    this.#binding = binding;
  }
  fetch(input, init = undefined) {
    let request;
    try {
      request = input instanceof Request && init === undefined ? input : new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    if (typeof ops.assetsFetch !== "function") {
      return Promise.reject(new Error(`env.${this.#binding}: static assets are not served by this host`));
    }
    const r = request[kReq];
    const headers = headerPairs(r.headers).map((p) => [p[0], p[1]]);
    return ops.assetsFetch({ method: r.method, url: r.url, headers }).then(responseFromHost);
  }
}
Object.defineProperty(AssetsFetcher.prototype, Symbol.toStringTag, { value: "Fetcher", configurable: true });

registerBindingFactory("assets", (name) => new AssetsFetcher(name));

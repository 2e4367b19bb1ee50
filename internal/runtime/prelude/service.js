// Service bindings: env.OTHER.fetch(input, init) runs another worker of the
// same server in process (ops.serviceFetch, installed by `outpost serve`).
import ops from "./ops.js";
import { Request, kReq } from "./request.js";
import { responseFromHost } from "./response.js";
import { kBody, bodyBytesForFetch } from "./body.js";
import { headerPairs } from "./headers.js";
import { registerBindingFactory } from "./bindings.js";

class Fetcher {
  #service;
  constructor(service) {
    this.#service = service;
  }
  fetch(input, init = undefined) {
    let request;
    try {
      request = input instanceof Request && init === undefined ? input : new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    if (typeof ops.serviceFetch !== "function") {
      return Promise.reject(new Error(`Service binding to "${this.#service}" is not available: service bindings need \`outpost serve\``));
    }
    const r = request[kReq];
    const service = this.#service;
    return bodyBytesForFetch(request[kBody]).then((body) => {
      const headers = headerPairs(r.headers).map((p) => [p[0], p[1]]);
      return ops.serviceFetch(service, { method: r.method, url: r.url, headers, body, cf: r.cf ?? null });
    }).then(responseFromHost);
  }
  connect() {
    throw new Error(`Service binding "${this.#service}": connect() is not supported by Outpost`);
  }
}
Object.defineProperty(Fetcher.prototype, Symbol.toStringTag, { value: "Fetcher", configurable: true });

registerBindingFactory("service", (name, spec) => new Fetcher(String(spec.service ?? name)));

// Fetcher is the object behind bindings that answer fetch() in process
// (service bindings, static assets): it normalises the request and hands a
// plain description of it to a host op.
import { Request, kReq } from "./request.js";
import { responseFromHost } from "./response.js";
import { kBody, bodyBytesForFetch } from "./body.js";
import { headerPairs } from "./headers.js";
import { kRes } from "./response.js";
import { webSocketFromHost } from "./websocket.js";

export class Fetcher {
  #send;
  #name;
  // send(init) returns a promise of the host's response.
  constructor(name, send) {
    this.#name = name;
    this.#send = send;
  }

  fetch(input, init = undefined) {
    let request;
    try {
      request = input instanceof Request && init === undefined ? input : new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    const r = request[kReq];
    return bodyBytesForFetch(request[kBody]).then((body) => {
      const headers = headerPairs(r.headers).map((p) => [p[0], p[1]]);
      return this.#send({ method: r.method, url: r.url, headers, body, cf: r.cf ?? null });
    }).then((res) => {
      const response = responseFromHost(res);
      if (typeof res.webSocket === "number") {
        // Another worker's WebSocket (a Durable Object's 101): return it
        // in a Response as it is.
        response[kRes].webSocket = webSocketFromHost({ id: res.webSocket, foreign: true });
      }
      return response;
    });
  }

  connect() {
    throw new Error(`Binding "${this.#name}": connect() is not supported by Outpost`);
  }
}
Object.defineProperty(Fetcher.prototype, Symbol.toStringTag, { value: "Fetcher", configurable: true });

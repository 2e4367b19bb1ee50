// fetch() over the host's ops.fetch; abort goes to ops.fetchAbort.
import ops from "./ops.js";
import { Request, kReq } from "./request.js";
import { responseFromHost, kRes } from "./response.js";
import { webSocketFromHost } from "./websocket.js";
import { kBody, bodyBytesForFetch } from "./body.js";
import { headerPairs } from "./headers.js";
import { addAbortAlgorithm } from "./abort.js";
import { DOMException } from "./domexception.js";

let nextFetchId = 1;

export function fetch(input, init = undefined) {
  let request;
  try {
    request = input instanceof Request && init === undefined ? input : new Request(input, init);
  } catch (e) {
    return Promise.reject(e);
  }
  const r = request[kReq];
  const signal = r.signal;
  if (signal !== null && signal.aborted) return Promise.reject(signal.reason);
  const url = r.url;
  if (!url.startsWith("http:") && !url.startsWith("https:")) {
    return Promise.reject(new TypeError(`Fetch API cannot load: ${url}`));
  }
  return bodyBytesForFetch(request[kBody]).then((body) => {
    if (signal !== null && signal.aborted) throw signal.reason;
    const id = nextFetchId++;
    let removeAbort = null;
    if (signal !== null) removeAbort = addAbortAlgorithm(signal, () => ops.fetchAbort(id));
    const headers = headerPairs(r.headers).map((p) => [p[0], p[1]]);
    if (r.headers.get("upgrade")?.toLowerCase() === "websocket") return fetchWebSocket(url, headers);
    // The abort algorithm stays registered after the response arrived: an
    // abort then makes the host fail the body stream, as the spec asks.
    return ops.fetch({ id, method: r.method, url, headers, body, redirect: r.redirect, cf: r.cf }).then((res) => {
      return responseFromHost(res);
    }, (err) => {
      if (removeAbort) removeAbort();
      if (signal !== null && signal.aborted) throw signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
      throw err;
    });
  });
}

// fetch() with "Upgrade: websocket" opens a WebSocket: a 101 response
// carries it as response.webSocket, to accept() or return as it is.
function fetchWebSocket(url, headers) {
  return ops.wsConnect({ url, headers, fetch: true }).then((res) => {
    if (res.id === undefined) return responseFromHost(res);
    const response = responseFromHost({ ...res, body: null });
    response[kRes].webSocket = webSocketFromHost(res);
    return response;
  });
}

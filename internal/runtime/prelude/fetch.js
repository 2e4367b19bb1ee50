// fetch() over the host's ops.fetch; abort goes to ops.fetchAbort.
import ops from "./ops.js";
import { Request, kReq } from "./request.js";
import { responseFromHost, kRes } from "./response.js";
import { webSocketFromHost } from "./websocket.js";
import { kBody, bodyBytesForFetch } from "./body.js";
import { headerPairs, headerString } from "./headers.js";
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
    if (r.headers.get("upgrade")?.toLowerCase() === "websocket") {
      return fetchWebSocket(url, headerPairs(r.headers).map((p) => [p[0], p[1]]));
    }
    // The abort algorithm stays registered after the response arrived: an
    // abort then makes the host fail the body stream, as the spec asks.
    return ops.fetch(id, r.method, url, headerString(r.headers), body, r.redirect, r.cf).then((head) => {
      return responseFromHost(responseHead(head));
    }, (err) => {
      if (removeAbort) removeAbort();
      if (signal !== null && signal.aborted) throw signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
      throw err;
    });
  });
}

// responseHead reads the head ops.fetch settles with (fetch.go's opFetch):
// status, statusText, redirected, body length, body stream id, final URL,
// then the headers, separated by newlines.
function responseHead(s) {
  const f = [];
  let i = 0;
  for (let k = 0; k < 6; k++) {
    const j = s.indexOf("\n", i);
    f.push(s.slice(i, j));
    i = j + 1;
  }
  const sid = +f[4];
  return { status: +f[0], statusText: f[1], redirected: f[2] === "1", length: +f[3], body: sid === 0 ? null : sid, url: f[5], headers: s.slice(i) };
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

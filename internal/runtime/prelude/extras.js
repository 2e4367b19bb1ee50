// Platform APIs beyond the core Web APIs: compression streams,
// HTMLRewriter, URLPattern, WebSockets and, with nodejs_compat, the Node.js
// modules. Those in lazy units are loaded by their first use.
import { WebSocket, WebSocketPair, MessageEvent, CloseEvent, ErrorEvent } from "./websocket.js";
import { loadUnit, lazyGlobal, defineGlobal } from "./units.js";
import { nameGlobals } from "./util.js";

const globals = { WebSocket, WebSocketPair, MessageEvent, CloseEvent, ErrorEvent };

nameGlobals(globals);

for (const name of Object.keys(globals)) defineGlobal(name, globals[name]);

const lazy = {
  CompressionStream: "compression",
  DecompressionStream: "compression",
  HTMLRewriter: "htmlrewriter",
  URLPattern: "urlpattern",
  MessageChannel: "messagechannel",
  MessagePort: "messagechannel",
};
for (const [name, unit] of Object.entries(lazy)) {
  lazyGlobal(name, () => {
    const value = loadUnit(unit)[name];
    nameGlobals({ [name]: value });
    return value;
  });
}

// nodeCompatGlobals defines, for a worker with nodejs_compat, the globals
// whose first read has the node unit install Buffer, process and the
// module loader the bundler's node: imports call. It runs when the
// worker's configuration arrives (hooks.setup), before its script.
export function nodeCompatGlobals() {
  for (const name of ["__outpost_require", "Buffer", "process"]) {
    lazyGlobal(name, () => {
      loadUnit("node").installNodeCompat();
      return globalThis[name];
    });
  }
  defineGlobal("global", globalThis);
}

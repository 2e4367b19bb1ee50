// Platform APIs beyond the core Web APIs: compression streams,
// HTMLRewriter, URLPattern, WebSockets and, with nodejs_compat, the Node.js
// modules. Those in lazy units are loaded by their first use.
import ops from "./ops.js";
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

// nodejs_compat: the node unit installs Buffer, process and the module
// loader the bundler's node: imports call, once one of them is read.
if (ops.nodeConfig().nodeCompat) {
  for (const name of ["__outpost_require", "Buffer", "process"]) {
    lazyGlobal(name, () => {
      loadUnit("node").installNodeCompat();
      return globalThis[name];
    });
  }
  defineGlobal("global", globalThis);
}

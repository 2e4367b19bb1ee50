// Platform APIs beyond the core Web APIs: compression streams,
// HTMLRewriter, URLPattern, WebSockets and, with nodejs_compat, the Node.js modules.
import { CompressionStream, DecompressionStream } from "./compression.js";
import { HTMLRewriter } from "./htmlrewriter.js";
import { URLPattern } from "./urlpattern.js";
import { WebSocket, WebSocketPair, MessageEvent, CloseEvent, ErrorEvent } from "./websocket.js";
import { MessageChannel, MessagePort } from "./messagechannel.js";
import { installNodeCompat } from "./node/index.js";
import { nameGlobals } from "./util.js";

const globals = { CompressionStream, DecompressionStream, HTMLRewriter, URLPattern, WebSocket, WebSocketPair, MessageEvent, CloseEvent, ErrorEvent, MessageChannel, MessagePort };

nameGlobals(globals);

// Like index.js: writable, configurable, not enumerable.
for (const name of Object.keys(globals)) {
  Object.defineProperty(globalThis, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
}

installNodeCompat();

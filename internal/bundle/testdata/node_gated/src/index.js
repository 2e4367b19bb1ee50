import { connect } from "cloudflare:sockets";
import { httpServerHandler } from "cloudflare:node";

let os = null;
try {
  os = require("node:os");
} catch {
  // Probed: not available under this compatibility date.
}
import http from "node:http";

export default { fetch: () => new Response(String(os !== null) + typeof connect + typeof http + typeof httpServerHandler) };

// Service bindings: env.OTHER.fetch(input, init) runs another worker of the
// same process, and env.OTHER.method(...args) calls a method of its
// entrypoint over RPC (the host object's fetch and call, made by
// servicebinding).
import { Fetcher } from "runtime:fetcher.js";
import { registerBindingFactory } from "runtime:bindings.js";
import { registerUncloneable } from "runtime:structuredclone.js";
import { entrypointStub } from "runtime:rpc.js";
import { registerLoopback } from "runtime:dispatch.js";
import { WorkerEntrypoint } from "runtime:entrypoints.js";
import ops from "runtime:ops.js";

registerUncloneable(Fetcher);
registerBindingFactory("service", (name, host) =>
  entrypointStub((path, message) => host.call(path, message), new Fetcher(name, (req) => host.fetch(req))));

// ctx.exports.Name for the worker's own entrypoints: the default export and
// every named export that extends WorkerEntrypoint (or is a handler object).
registerLoopback((name, value) => {
  const isEntrypoint = typeof value === "function" ? value.prototype instanceof WorkerEntrypoint
    : value !== null && typeof value === "object" && (name === "" || typeof value.fetch === "function");
  if (!isEntrypoint || typeof ops.serviceSelf !== "function") return undefined;
  const host = ops.serviceSelf(name);
  return entrypointStub((path, message) => host.call(path, message), new Fetcher(name || "default", (req) => host.fetch(req)));
});

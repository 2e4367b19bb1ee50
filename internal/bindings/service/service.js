// Service bindings: env.OTHER.fetch(input, init) runs another worker of the
// same process, and env.OTHER.method(...args) calls a method of its
// entrypoint over RPC (the host object's fetch and call, made by
// servicebinding).
import { Fetcher } from "runtime:fetcher.js";
import { registerBindingFactory } from "runtime:bindings.js";
import { registerUncloneable } from "runtime:structuredclone.js";
import { entrypointStub } from "runtime:rpc.js";

registerUncloneable(Fetcher);
registerBindingFactory("service", (name, host) =>
  entrypointStub((path, message) => host.call(path, message), new Fetcher(name, (req) => host.fetch(req))));

// Service bindings: env.OTHER.fetch(input, init) runs another worker of the
// same server in process (ops.serviceFetch, installed by `outpost serve`).
import ops from "./ops.js";
import { Fetcher } from "./fetcher.js";
import { registerBindingFactory } from "./bindings.js";

registerBindingFactory("service", (name, spec) => {
  const service = String(spec.service ?? name);
  return new Fetcher(
    name,
    (req) => ops.serviceFetch(service, req),
    () => (typeof ops.serviceFetch === "function" ? null
      : new Error(`Service binding to "${service}" is not available: service bindings need \`outpost serve\``)),
  );
});

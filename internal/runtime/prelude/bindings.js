// Binding factories: other parts of the runtime (KV, Cache...) register how
// to turn a binding spec from the host into the object the worker sees.
const factories = new Map();

export function registerBindingFactory(kind, factory) {
  if (typeof factory !== "function") throw new TypeError(`registerBindingFactory(${kind}): factory must be a function`);
  if (factories.has(kind)) throw new Error(`registerBindingFactory: a factory for "${kind}" is already registered`);
  factories.set(kind, factory);
}

// Builds env from the host's bindings: plain values pass through, objects
// with __kind go to their factory.
export function buildEnv(bindings) {
  const env = {};
  for (const name of Object.keys(bindings ?? {})) {
    const value = bindings[name];
    if (value !== null && typeof value === "object" && typeof value.__kind === "string") {
      const { __kind: kind, ...spec } = value;
      const factory = factories.get(kind);
      if (!factory) throw new Error(`Binding "${name}" is of kind "${kind}", which this runtime does not support`);
      env[name] = factory(name, spec);
    } else {
      env[name] = value;
    }
  }
  return env;
}

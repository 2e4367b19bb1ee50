// Binding factories: extensions (KV, services, assets …) register how to
// turn the host object Go made for one binding into the object the worker
// sees. The host object's functions are the capability: they reach only
// the resource granted to this worker, so the factory keeps it in a
// private field and nothing a script can name leads anywhere else.
const factories = new Map();

export function registerBindingFactory(kind, factory) {
  if (typeof factory !== "function") throw new TypeError(`registerBindingFactory(${kind}): factory must be a function`);
  if (factories.has(kind)) throw new Error(`registerBindingFactory: a factory for "${kind}" is already registered`);
  factories.set(kind, factory);
}

// Builds env: vars pass through as they are; each resolved binding
// ([name, kind, host]) goes to its kind's factory.
export function buildEnv(vars, bindings) {
  const env = {};
  for (const name of Object.keys(vars ?? {})) env[name] = vars[name];
  for (const [name, kind, host] of bindings ?? []) {
    const factory = factories.get(kind);
    if (!factory) throw new Error(`Binding "${name}" is of kind "${kind}", which this runtime does not support`);
    env[name] = factory(name, host);
  }
  return env;
}

// WebAssembly's promise-returning functions. JavaScriptCore finishes an
// asynchronous compile or instantiation on the run loop of the VM's
// thread, which Outpost's VM threads do not run, so their promises would
// never settle (the request then counts as hung). The work is done at
// once instead and its result handed back as the promise the API returns;
// the synchronous constructors compile and tier up as usual.
const W = globalThis.WebAssembly;
const { Module, Instance } = W;

function settle(f) {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}

const replacements = {
  compile(bytes) {
    return settle(() => new Module(bytes));
  },
  instantiate(source, importObject = undefined) {
    return settle(() => {
      if (source instanceof Module) return new Instance(source, importObject);
      const module = new Module(source);
      return { module, instance: new Instance(module, importObject) };
    });
  },
};

for (const name of Object.keys(replacements)) {
  const d = Object.getOwnPropertyDescriptor(W, name);
  if (d) Object.defineProperty(W, name, { ...d, value: replacements[name] });
}

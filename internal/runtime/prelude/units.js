// The lazy units of the prelude (lazyUnits in prelude.go): parts most
// workers never use, evaluated in an instance only when first used there.
// A unit is CommonJS; its imports of core modules are answered from
// coreModules, which the bundle's last module fills in.
import ops from "./ops.js";

export const coreModules = Object.create(null);
const loaded = Object.create(null);

function requireCore(path) {
  const m = coreModules[path];
  if (m === undefined) throw new Error(`outpost prelude: the core module ${path} is not registered`);
  return m;
}

// loadUnit returns the exports of the unit name, evaluating it first.
export function loadUnit(name) {
  let exports = loaded[name];
  if (exports === undefined) exports = loaded[name] = ops.loadPreludeUnit(name, requireCore);
  return exports;
}

// defineGlobal makes a plain global, as the platform's are: writable,
// configurable, not enumerable.
export function defineGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

// lazyGlobal makes globalThis[name] the value load() gives, computed on the
// first read; it then becomes a plain global (writable, configurable, not
// enumerable). Assigning to it first replaces it without loading anything.
export function lazyGlobal(name, load) {
  Object.defineProperty(globalThis, name, {
    get() {
      const value = load();
      defineGlobal(name, value);
      return value;
    },
    set(value) {
      defineGlobal(name, value);
    },
    configurable: true,
    enumerable: false,
  });
}

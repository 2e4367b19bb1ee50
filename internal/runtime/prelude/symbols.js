// Well-known symbols workerd's V8 has and JavaScriptCore 2.50 lacks:
// Symbol.dispose and Symbol.asyncDispose (explicit resource management;
// `using` declarations are lowered by the bundler onto them).
for (const name of ["dispose", "asyncDispose"]) {
  if (typeof Symbol[name] !== "symbol") {
    Object.defineProperty(Symbol, name, { value: Symbol(`Symbol.${name}`), writable: false, enumerable: false, configurable: false });
  }
}

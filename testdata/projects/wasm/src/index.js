// A Wasm module imported as workers import one (CompiledWasm). Its
// exports: sum(n), a loop adding 0..n-1 (hot enough to be tiered up while
// it runs), load(address), an i32 read from its one page of memory.
import module from "./sum.wasm";

const instance = new WebAssembly.Instance(module);
const { sum, load } = instance.exports;

// As Cloudflare's documentation has it: the asynchronous API, awaited at
// the top level.
const documented = await WebAssembly.instantiate(module);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1000");
    switch (url.pathname) {
      case "/sum":
        // One long call (the loop is tiered up inside it), then many short
        // calls (the function is tiered up between them).
        return Response.json({ once: sum(n), wanted: (n * (n - 1) / 2) | 0, calls: repeat(n) });
      case "/out-of-bounds":
        try {
          load(65536);
          return new Response("no trap", { status: 500 });
        } catch (e) {
          return Response.json({ name: e.constructor.name, message: e.message, isRuntimeError: e instanceof WebAssembly.RuntimeError });
        }
      case "/instantiate": {
        // The asynchronous API with the imported (pre-compiled) module.
        const instance = await WebAssembly.instantiate(module);
        return Response.json({
          sum: instance.exports.sum(10),
          isInstance: instance instanceof WebAssembly.Instance,
          topLevel: documented.exports.sum(4),
          api: [WebAssembly.instantiate.name, WebAssembly.instantiate.length, WebAssembly.compile.length],
        });
      }
      case "/shared": {
        const memory = new WebAssembly.Memory({ shared: true, initial: 1, maximum: 2 });
        const view = new Int32Array(memory.buffer);
        Atomics.add(view, 0, 5);
        return Response.json({ buffer: Object.prototype.toString.call(memory.buffer), value: Atomics.load(view, 0) });
      }
    }
    return new Response("not found", { status: 404 });
  },
};

function repeat(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total = (total + sum(i % 64)) | 0;
  return total;
}

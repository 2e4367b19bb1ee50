// Tries every way a script might reach another worker's KV namespace
// through its own binding object; each attempt reports what it got.
export default {
  async fetch(request, env) {
    const results = {};
    const attempt = async (name, fn) => {
      try {
        results[name] = { ok: true, value: await fn() };
      } catch (e) {
        results[name] = { ok: false, error: `${e?.name}: ${e?.message}` };
      }
    };
    const kv = env.DATA;
    const KV = kv.constructor;

    // Nothing on the object names its namespace.
    await attempt("ownKeys", () => Reflect.ownKeys(kv).map(String));
    await attempt("symbols", () => Object.getOwnPropertySymbols(kv).map(String));
    await attempt("protoSymbols", () => Object.getOwnPropertySymbols(Object.getPrototypeOf(kv)).map(String));
    // Making a namespace object of one's own, with the victim's id.
    await attempt("construct", () => new KV("victim-data").get("secret"));
    await attempt("constructWithHost", () => new KV(Symbol("KVNamespace"), { get: () => "forged" }).get("secret"));
    // Borrowing the methods with a forged receiver.
    await attempt("callOnFake", () => KV.prototype.get.call({ id: "victim-data" }, "secret"));
    await attempt("callOnCreate", () => KV.prototype.get.call(Object.create(KV.prototype), "secret"));
    // Copying every symbol-keyed property onto a fake object.
    await attempt("copySymbols", () => {
      const fake = Object.create(KV.prototype);
      for (const s of Object.getOwnPropertySymbols(kv)) fake[s] = "victim-data";
      return fake.get("secret");
    });
    // Cloning the binding, or sending it to another worker.
    await attempt("structuredClone", () => structuredClone(kv).get("secret"));
    await attempt("viaService", async () => {
      const res = await env.VICTIM.fetch("https://victim/?key=secret", { method: "POST", body: kv });
      return `${res.status} ${await res.text()}`;
    });
    // The attacker's own namespace has only its own keys.
    await attempt("ownNamespace", async () => ({ value: await kv.get("secret"), keys: (await kv.list()).keys.map((k) => k.name) }));
    // Overwriting through the attacker's binding writes its own namespace.
    await attempt("put", () => kv.put("secret", "overwritten by the attacker"));
    // Ops are not reachable from the global scope.
    await attempt("ops", () => typeof globalThis.__outpost_ops);
    return Response.json(results);
  },
};

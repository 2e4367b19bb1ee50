// A tiny test harness for the prelude tests, which run inside a real
// Outpost instance (prelude_js_test.go). Evaluated before each *.test.js:
//
//   test(name, fn[, { timeout }]) fn may be async; 5000 ms unless timeout says
//   test.skip(name, reason, fn)  kept in the file, reported as skipped
//   assert.ok/equal/notEqual/deepEqual/match/throws/rejects
//
// The host provides __report(report) to collect the results
// ({ passed, failed, skipped, failures: [{ name, error }], results }); each
// result becomes a Go subtest.
(() => {
  const tests = [];
  let scheduled = false;

  class AssertionError extends Error {
    constructor(message) {
      super(message);
      this.name = "AssertionError";
    }
  }

  function show(v) {
    try {
      if (typeof v === "string") return JSON.stringify(v);
      if (typeof v === "bigint") return `${v}n`;
      if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v).join(",")}]`;
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  }

  function deepEqual(a, b) {
    if (Object.is(a, b)) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (a instanceof Date) return a.getTime() === b.getTime();
    if (a instanceof RegExp) return String(a) === String(b);
    if (a instanceof Map || a instanceof Set) {
      return deepEqual([...a], [...b]);
    }
    if (ArrayBuffer.isView(a)) {
      if (a.byteLength !== b.byteLength) return false;
      const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      return x.every((v, i) => v === y[i]);
    }
    if (a instanceof ArrayBuffer) return deepEqual(new Uint8Array(a), new Uint8Array(b));
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }

  function matches(err, expected) {
    if (expected === undefined) return true;
    if (typeof expected === "function") return err instanceof expected;
    if (expected instanceof RegExp) return expected.test(String(err?.message ?? err));
    if (typeof expected === "object") {
      return Object.keys(expected).every((k) => (expected[k] instanceof RegExp ? expected[k].test(String(err?.[k])) : Object.is(err?.[k], expected[k])));
    }
    return false;
  }

  function describeErr(e) {
    return `${e?.constructor?.name ?? typeof e} ${e?.name ?? ""}: ${e?.message ?? e}`;
  }

  const assert = {
    ok(v, msg) {
      if (!v) throw new AssertionError(msg ?? `expected truthy, got ${show(v)}`);
    },
    equal(actual, expected, msg) {
      if (!Object.is(actual, expected)) throw new AssertionError(`${msg ? msg + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
    },
    notEqual(actual, expected, msg) {
      if (Object.is(actual, expected)) throw new AssertionError(`${msg ? msg + ": " : ""}expected a value other than ${show(expected)}`);
    },
    match(actual, re, msg) {
      if (typeof actual !== "string" || !re.test(actual)) throw new AssertionError(`${msg ? msg + ": " : ""}expected a string matching ${re}, got ${show(actual)}`);
    },
    deepEqual(actual, expected, msg) {
      if (!deepEqual(actual, expected)) throw new AssertionError(`${msg ? msg + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
    },
    throws(fn, expected, msg) {
      try {
        fn();
      } catch (e) {
        if (!matches(e, expected)) throw new AssertionError(`${msg ? msg + ": " : ""}threw the wrong error: ${describeErr(e)}`);
        return e;
      }
      throw new AssertionError(`${msg ? msg + ": " : ""}expected an exception`);
    },
    async rejects(p, expected, msg) {
      try {
        await (typeof p === "function" ? p() : p);
      } catch (e) {
        if (!matches(e, expected)) throw new AssertionError(`${msg ? msg + ": " : ""}rejected with the wrong error: ${describeErr(e)}`);
        return e;
      }
      throw new AssertionError(`${msg ? msg + ": " : ""}expected a rejection`);
    },
  };

  async function runAll() {
    const results = [];
    for (const t of tests) {
      if (t.skip !== undefined) {
        results.push({ name: t.name, ok: true, skip: t.skip });
        continue;
      }
      let timer;
      try {
        await Promise.race([
          Promise.resolve().then(() => t.fn()),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`test timed out after ${t.timeout} ms`)), t.timeout);
          }),
        ]);
        results.push({ name: t.name, ok: true });
      } catch (e) {
        results.push({ name: t.name, ok: false, error: describeErr(e) + (e?.stack ? "\n" + e.stack : "") });
      } finally {
        clearTimeout(timer);
      }
    }
    const failures = results.filter((r) => !r.ok).map((r) => ({ name: r.name, error: r.error }));
    const skipped = results.filter((r) => r.skip !== undefined).length;
    __report({ passed: results.length - failures.length - skipped, failed: failures.length, skipped, failures, results });
  }

  function add(t) {
    if (tests.some((o) => o.name === t.name)) throw new Error(`two tests are named ${JSON.stringify(t.name)}`);
    tests.push(t);
    if (!scheduled) {
      scheduled = true;
      setTimeout(runAll, 0);
    }
  }
  globalThis.test = (name, fn, { timeout = 5000 } = {}) => add({ name, fn, timeout });
  globalThis.test.skip = (name, reason, fn) => {
    if (typeof reason !== "string" || reason === "") throw new Error(`test.skip(${JSON.stringify(name)}) needs a reason`);
    add({ name, fn, skip: reason });
  };
  globalThis.assert = assert;
})();

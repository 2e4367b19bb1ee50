// node:assert — the common assertions with Node's AssertionError.
import util from "./util.js";

export class AssertionError extends Error {
  constructor(options) {
    super(options.message);
    this.name = "AssertionError";
    this.code = "ERR_ASSERTION";
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator;
    this.generatedMessage = !options.userMessage;
  }
}

function fail(actual, expected, message, operator, defaultMessage) {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message: message ?? defaultMessage, actual, expected, operator, userMessage: message !== undefined });
}

const show = (v) => util.inspect(v);

function ok(value, message) {
  if (!value) fail(value, true, message, "==", `The expression evaluated to a falsy value:\n\n  assert.ok(${show(value)})\n`);
}

function matchesError(err, expected) {
  if (expected === undefined) return true;
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && err instanceof expected) return true;
    if (Error.isPrototypeOf(expected) || expected === Error) return false;
    return expected(err) === true;
  }
  if (expected instanceof RegExp) return expected.test(String(err));
  if (typeof expected === "object" && expected !== null) {
    return Object.keys(expected).every((k) => (expected[k] instanceof RegExp && typeof err?.[k] === "string" ? expected[k].test(err[k]) : util.isDeepStrictEqual(err?.[k], expected[k])));
  }
  return false;
}

const assert = Object.assign((value, message) => ok(value, message), {
  AssertionError,
  ok,
  fail(message = "Failed") {
    fail(undefined, undefined, message, "fail");
  },
  equal(a, b, m) { if (a != b && !(Number.isNaN(a) && Number.isNaN(b))) fail(a, b, m, "==", `${show(a)} == ${show(b)}`); },
  notEqual(a, b, m) { if (a == b) fail(a, b, m, "!=", `${show(a)} != ${show(b)}`); },
  strictEqual(a, b, m) { if (!Object.is(a, b)) fail(a, b, m, "strictEqual", `Expected values to be strictly equal:\n\n${show(a)} !== ${show(b)}\n`); },
  notStrictEqual(a, b, m) { if (Object.is(a, b)) fail(a, b, m, "notStrictEqual", `Expected "actual" to be strictly unequal to: ${show(b)}`); },
  deepEqual(a, b, m) { if (!util.isDeepStrictEqual(a, b)) fail(a, b, m, "deepEqual", `Expected values to be loosely deep-equal:\n\n${show(a)}\n\nshould loosely deep-equal\n\n${show(b)}`); },
  deepStrictEqual(a, b, m) { if (!util.isDeepStrictEqual(a, b)) fail(a, b, m, "deepStrictEqual", `Expected values to be strictly deep-equal:\n${show(a)}\n\nshould equal\n\n${show(b)}`); },
  notDeepStrictEqual(a, b, m) { if (util.isDeepStrictEqual(a, b)) fail(a, b, m, "notDeepStrictEqual", `Expected "actual" not to be strictly deep-equal to: ${show(b)}`); },
  match(s, re, m) { if (!re.test(s)) fail(s, re, m, "match", `The input did not match the regular expression ${re}. Input:\n\n${show(s)}\n`); },
  doesNotMatch(s, re, m) { if (re.test(s)) fail(s, re, m, "doesNotMatch", `The input was expected to not match the regular expression ${re}. Input:\n\n${show(s)}\n`); },
  throws(fn, expected, message) {
    if (typeof expected === "string") {
      message = expected;
      expected = undefined;
    }
    try {
      fn();
    } catch (e) {
      if (!matchesError(e, expected)) throw e;
      return;
    }
    fail(undefined, expected, message, "throws", "Missing expected exception.");
  },
  doesNotThrow(fn, message) {
    try {
      fn();
    } catch (e) {
      fail(e, undefined, message, "doesNotThrow", `Got unwanted exception.\nActual message: "${e?.message}"`);
    }
  },
  async rejects(p, expected, message) {
    if (typeof expected === "string") {
      message = expected;
      expected = undefined;
    }
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      if (!matchesError(e, expected)) throw e;
      return;
    }
    fail(undefined, expected, message, "rejects", "Missing expected rejection.");
  },
  async doesNotReject(p, message) {
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      fail(e, undefined, message, "doesNotReject", `Got unwanted rejection.\nActual message: "${e?.message}"`);
    }
  },
  ifError(v) { if (v !== null && v !== undefined) throw v instanceof Error ? v : new AssertionError({ message: `ifError got unwanted exception: ${show(v)}`, actual: v }); },
});
assert.strict = assert;
export default assert;

// A testharness.js-compatible harness for running Web Platform Tests'
// *.any.js files inside a worker. It is evaluated before the test file; the
// runner appends the file (and its META scripts) inside __wpt_main and a
// fetch listener that runs the file and answers with the results as JSON.
//
// Statuses are testharness.js's: PASS, FAIL, TIMEOUT, NOTRUN,
// PRECONDITION_FAILED. The harness itself reports OK, ERROR or TIMEOUT.
(function () {
  "use strict";
  const G = globalThis;
  const realSetTimeout = G.setTimeout;
  const realClearTimeout = G.clearTimeout;
  const realFetch = G.fetch;
  const realRequest = G.Request;
  const realResponse = G.Response;
  const realURL = G.URL;
  const realPromise = Promise;
  const realJSON = JSON;

  // --- the test's environment: a dedicated worker at the test's URL ---
  const state = { url: null, timeout: 10000 };
  G.GLOBAL = {
    isWindow: () => false,
    isWorker: () => true,
    isShadowRealm: () => false,
  };
  if (typeof G.self === "undefined") G.self = G;
  const location = {};
  for (const key of ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"]) {
    Object.defineProperty(location, key, { get() { return state.url[key]; }, enumerable: true });
  }
  location.toString = function () { return state.url.href; };
  Object.defineProperty(G, "location", { value: location, writable: true, configurable: true });

  // Relative URLs resolve against the test file's URL, as in a browser.
  G.fetch = function fetch(input, init) {
    if (typeof input === "string" || input instanceof realURL) input = new realURL(String(input), state.url.href).href;
    return realFetch(input, init);
  };

  // --- values in messages ---
  function format_value(val, seen) {
    if (!seen) seen = [];
    if (typeof val === "object" && val !== null) {
      if (seen.indexOf(val) >= 0) return "[...]";
      seen.push(val);
    }
    if (Array.isArray(val)) {
      const out = val.map((x) => format_value(x, seen));
      return "[" + out.join(", ") + "]";
    }
    switch (typeof val) {
      case "string": {
        val = val.replace(/\\/g, "\\\\");
        for (const p in replacements) {
          val = val.replace(new RegExp(String.fromCharCode(p), "g"), replacements[p]);
        }
        return '"' + val.replace(/"/g, '\\"') + '"';
      }
      case "boolean":
      case "undefined":
        return String(val);
      case "number":
        if (val === 0 && 1 / val < 0) return "-0";
        return String(val);
      case "bigint":
        return String(val) + "n";
      case "symbol":
        return val.toString();
      case "object":
        if (val === null) return "null";
        try {
          if (val instanceof Error) return val.name + ": " + val.message;
        } catch (e) { /* fall through */ }
        try {
          return "object \"" + Object.prototype.toString.call(val) + "\"";
        } catch (e) {
          return "[object]";
        }
      case "function":
        return "function \"" + (val.name || "") + "\"";
    }
    return typeof val + ' "' + String(val) + '"';
  }
  const replacements = {
    0: "0", 1: "x01", 2: "x02", 3: "x03", 4: "x04", 5: "x05", 6: "x06", 7: "x07", 8: "b", 9: "t", 10: "n",
    11: "v", 12: "f", 13: "r", 14: "x0e", 15: "x0f", 16: "x10", 17: "x11", 18: "x12", 19: "x13", 20: "x14",
    21: "x15", 22: "x16", 23: "x17", 24: "x18", 25: "x19", 26: "x1a", 27: "x1b", 28: "x1c", 29: "x1d", 30: "x1e",
    31: "x1f", 0xfffd: "ufffd", 0xfffe: "ufffe", 0xffff: "uffff",
  };
  for (const p in replacements) replacements[p] = "\\" + replacements[p];

  // --- assertions ---
  class AssertionError extends Error {
    constructor(message) {
      super(message);
      this.name = "AssertionError";
    }
  }
  class OptionalFeatureUnsupportedError extends AssertionError {
    constructor(message) {
      super(message);
      this.name = "OptionalFeatureUnsupportedError";
    }
  }
  function fail(fn, description, message) {
    const desc = description ? description + " " : "";
    throw new AssertionError(fn + ": " + desc + message);
  }
  function assert(cond, fn, description, message) {
    if (!cond) fail(fn, description, message);
  }
  function same_value(x, y) {
    if (y !== y) return x !== x;
    if (x === 0 && y === 0) return 1 / x === 1 / y;
    return x === y;
  }

  const A = {};
  A.assert_true = (actual, description) =>
    assert(actual === true, "assert_true", description, "expected true got " + format_value(actual));
  A.assert_false = (actual, description) =>
    assert(actual === false, "assert_false", description, "expected false got " + format_value(actual));
  A.assert_equals = (actual, expected, description) => {
    if (typeof actual !== typeof expected) {
      fail("assert_equals", description, "expected (" + typeof expected + ") " + format_value(expected) +
        " but got (" + typeof actual + ") " + format_value(actual));
    }
    assert(same_value(actual, expected), "assert_equals", description,
      "expected " + format_value(expected) + " but got " + format_value(actual));
  };
  A.assert_not_equals = (actual, expected, description) =>
    assert(!same_value(actual, expected), "assert_not_equals", description, "got disallowed value " + format_value(actual));
  A.assert_in_array = (actual, expected, description) =>
    assert(expected.indexOf(actual) !== -1, "assert_in_array", description,
      "value " + format_value(actual) + " not in array " + format_value(expected));
  A.assert_object_equals = (actual, expected, description) => {
    assert(typeof actual === "object" && actual !== null, "assert_object_equals", description,
      "value is " + format_value(actual) + ", expected object");
    (function check_equal(actual, expected, stack) {
      stack.push(actual);
      for (const p in actual) {
        assert(Object.prototype.hasOwnProperty.call(expected, p), "assert_object_equals", description,
          "unexpected property " + format_value(p));
        if (typeof actual[p] === "object" && actual[p] !== null) {
          if (stack.indexOf(actual[p]) === -1) check_equal(actual[p], expected[p], stack);
        } else {
          assert(same_value(actual[p], expected[p]), "assert_object_equals", description,
            "property " + format_value(p) + " expected " + format_value(expected[p]) + " got " + format_value(actual[p]));
        }
      }
      for (const p in expected) {
        assert(Object.prototype.hasOwnProperty.call(actual, p), "assert_object_equals", description,
          "expected property " + format_value(p) + " missing");
      }
      stack.pop();
    })(actual, expected, []);
  };
  A.assert_array_equals = (actual, expected, description) => {
    assert(typeof actual === "object" && actual !== null && "length" in actual, "assert_array_equals", description,
      "value is " + format_value(actual) + ", expected array");
    assert(actual.length === expected.length, "assert_array_equals", description,
      "lengths differ, expected array " + format_value(expected) + " length " + expected.length +
      ", got " + format_value(actual) + " length " + actual.length);
    for (let i = 0; i < actual.length; i++) {
      assert(Object.prototype.hasOwnProperty.call(actual, i) === Object.prototype.hasOwnProperty.call(expected, i),
        "assert_array_equals", description, "expected property " + i + " to be " +
        (Object.prototype.hasOwnProperty.call(expected, i) ? "present" : "missing"));
      assert(same_value(expected[i], actual[i]), "assert_array_equals", description,
        "expected property " + i + " to be " + format_value(expected[i]) + " but got " + format_value(actual[i]) +
        " (expected array " + format_value(expected) + " got " + format_value(actual) + ")");
    }
  };
  A.assert_array_approx_equals = (actual, expected, epsilon, description) => {
    assert(actual.length === expected.length, "assert_array_approx_equals", description,
      "lengths differ, expected " + expected.length + " got " + actual.length);
    for (let i = 0; i < actual.length; i++) {
      assert(typeof actual[i] === "number" && Math.abs(actual[i] - expected[i]) <= epsilon,
        "assert_array_approx_equals", description,
        "property " + i + ", expected " + format_value(expected[i]) + " +/- " + epsilon + ", got " + format_value(actual[i]));
    }
  };
  A.assert_approx_equals = (actual, expected, epsilon, description) => {
    assert(typeof actual === typeof expected, "assert_approx_equals", description,
      "expected (" + typeof expected + ") " + format_value(expected) + " but got (" + typeof actual + ") " + format_value(actual));
    if (isFinite(actual) || isFinite(expected)) {
      assert(Math.abs(actual - expected) <= epsilon, "assert_approx_equals", description,
        "expected " + format_value(expected) + " +/- " + epsilon + " but got " + format_value(actual));
    } else {
      assert(actual === expected, "assert_approx_equals", description,
        "expected " + format_value(expected) + " but got " + format_value(actual));
    }
  };
  function numeric(fn, check, what) {
    return (actual, expected, description) => {
      assert(typeof actual === typeof expected && (typeof actual === "number" || typeof actual === "bigint"), fn, description,
        "expected a number but got a " + format_value(typeof actual));
      assert(check(actual, expected), fn, description,
        "expected a number " + what + " " + format_value(expected) + " but got " + format_value(actual));
    };
  }
  A.assert_less_than = numeric("assert_less_than", (a, e) => a < e, "less than");
  A.assert_greater_than = numeric("assert_greater_than", (a, e) => a > e, "greater than");
  A.assert_less_than_equal = numeric("assert_less_than_equal", (a, e) => a <= e, "less than or equal to");
  A.assert_greater_than_equal = numeric("assert_greater_than_equal", (a, e) => a >= e, "greater than or equal to");
  A.assert_between_exclusive = (actual, lower, upper, description) => {
    assert(typeof actual === "number", "assert_between_exclusive", description, "expected a number but got " + format_value(actual));
    assert(actual > lower && actual < upper, "assert_between_exclusive", description,
      "expected a number greater than " + lower + " and less than " + upper + " but got " + format_value(actual));
  };
  A.assert_between_inclusive = (actual, lower, upper, description) => {
    assert(typeof actual === "number", "assert_between_inclusive", description, "expected a number but got " + format_value(actual));
    assert(actual >= lower && actual <= upper, "assert_between_inclusive", description,
      "expected a number greater than or equal to " + lower + " and less than or equal to " + upper + " but got " + format_value(actual));
  };
  A.assert_regexp_match = (actual, expected, description) =>
    assert(expected.test(actual), "assert_regexp_match", description,
      "expected " + format_value(expected) + " but got " + format_value(actual));
  A.assert_class_string = (object, class_string, description) => {
    const actual = Object.prototype.toString.call(object);
    const expected = "[object " + class_string + "]";
    assert(actual === expected, "assert_class_string", description,
      "expected " + format_value(expected) + " but got " + format_value(actual));
  };
  A.assert_own_property = (object, property_name, description) =>
    assert(object !== null && object !== undefined && Object.prototype.hasOwnProperty.call(object, property_name),
      "assert_own_property", description, "expected property " + format_value(property_name) + " missing");
  A.assert_not_own_property = (object, property_name, description) =>
    assert(!Object.prototype.hasOwnProperty.call(object, property_name), "assert_not_own_property", description,
      "unexpected property " + format_value(property_name) + " is found on object");
  A.assert_inherits = (object, property_name, description) => {
    assert(typeof object === "object" || typeof object === "function", "assert_inherits", description,
      "provided value is not an object");
    assert("hasOwnProperty" in object, "assert_inherits", description, "provided value is an object but has no hasOwnProperty method");
    assert(!object.hasOwnProperty(property_name), "assert_inherits", description,
      "property " + format_value(property_name) + " found on object expected in prototype chain");
    assert(property_name in object, "assert_inherits", description,
      "property " + format_value(property_name) + " not found in prototype chain");
  };
  A.assert_idl_attribute = A.assert_inherits;
  A.assert_readonly = (object, property_name, description) => {
    const initial = object[property_name];
    try {
      object[property_name] = initial + "a";
      assert(same_value(object[property_name], initial), "assert_readonly", description,
        "changing property " + format_value(property_name) + " succeeded");
    } finally {
      try { object[property_name] = initial; } catch (e) { /* read-only */ }
    }
  };
  A.assert_unreached = (description) => fail("assert_unreached", description, "Reached unreachable code");
  A.assert_any = (assert_func, actual, expected_array, ...args) => {
    const errors = [];
    for (const expected of expected_array) {
      try {
        assert_func(actual, expected, ...args);
        return;
      } catch (e) {
        errors.push(e.message);
      }
    }
    throw new AssertionError(errors.join("\n\n"));
  };
  A.assert_implements = (condition, description) =>
    assert(!!condition, "assert_implements", description, "");
  A.assert_implements_optional = (condition, description) => {
    if (!condition) throw new OptionalFeatureUnsupportedError(description);
  };

  function thrown(fn, func, description) {
    try {
      func.call(null);
    } catch (e) {
      return { e };
    }
    fail(fn, description, func + " did not throw");
  }
  function check_js_error(fn, constructor, e, func, description) {
    assert(typeof e === "object" && e !== null, fn, description,
      func + " threw " + format_value(e) + " with type " + format_value(typeof e) + ", not an object");
    assert("name" in e, fn, description, func + " threw " + format_value(e) + ", not an error");
    assert(e.constructor === constructor && e.name === constructor.name, fn, description,
      func + " threw " + format_value(e) + " (" + e.constructor.name + ") expected instance of " + constructor.name);
  }
  A.assert_throws_js = (constructor, func, description) => {
    const { e } = thrown("assert_throws_js", func, description);
    check_js_error("assert_throws_js", constructor, e, func, description);
  };
  const codeNames = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
    InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
    InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
    EncodingError: 0, NotReadableError: 0, UnknownError: 0, ConstraintError: 0, DataError: 0,
    TransactionInactiveError: 0, ReadOnlyError: 0, VersionError: 0, OperationError: 0, NotAllowedError: 0,
    OptOutError: 0,
  };
  const legacyNames = {
    INDEX_SIZE_ERR: "IndexSizeError", HIERARCHY_REQUEST_ERR: "HierarchyRequestError",
    WRONG_DOCUMENT_ERR: "WrongDocumentError", INVALID_CHARACTER_ERR: "InvalidCharacterError",
    NO_MODIFICATION_ALLOWED_ERR: "NoModificationAllowedError", NOT_FOUND_ERR: "NotFoundError",
    NOT_SUPPORTED_ERR: "NotSupportedError", INUSE_ATTRIBUTE_ERR: "InUseAttributeError",
    INVALID_STATE_ERR: "InvalidStateError", SYNTAX_ERR: "SyntaxError",
    INVALID_MODIFICATION_ERR: "InvalidModificationError", NAMESPACE_ERR: "NamespaceError",
    INVALID_ACCESS_ERR: "InvalidAccessError", TYPE_MISMATCH_ERR: "TypeMismatchError", SECURITY_ERR: "SecurityError",
    NETWORK_ERR: "NetworkError", ABORT_ERR: "AbortError", URL_MISMATCH_ERR: "URLMismatchError",
    QUOTA_EXCEEDED_ERR: "QuotaExceededError", TIMEOUT_ERR: "TimeoutError", INVALID_NODE_TYPE_ERR: "InvalidNodeTypeError",
    DATA_CLONE_ERR: "DataCloneError",
  };
  function check_dom_error(fn, type, constructor, e, func, description) {
    let name;
    let code;
    if (typeof type === "number") {
      code = type;
      name = Object.keys(codeNames).find((k) => codeNames[k] === type);
      if (type === 0) throw new AssertionError(fn + ": Test bug: ambiguous DOMException code 0");
    } else if (type in legacyNames) {
      name = legacyNames[type];
      code = codeNames[name];
    } else if (type in codeNames) {
      name = type;
      code = codeNames[type];
    } else {
      throw new AssertionError(fn + ": Test bug: unrecognized DOMException code " + format_value(type));
    }
    assert(typeof e === "object" && e !== null, fn, description,
      func + " threw " + format_value(e) + " with type " + format_value(typeof e) + ", not an object");
    assert(e.name === name, fn, description,
      func + " threw " + format_value(e) + " that is not a DOMException " + name + ": property \"name\" is equal to " +
      format_value(e.name) + ", expected " + format_value(name));
    assert(e.code === code, fn, description,
      func + " threw " + format_value(e) + " that is not a DOMException " + name + ": property \"code\" is equal to " +
      format_value(e.code) + ", expected " + format_value(code));
    assert(e.constructor === constructor, fn, description,
      func + " threw an exception from the wrong global");
  }
  A.assert_throws_dom = function (type, funcOrConstructor, descriptionOrFunc, maybeDescription) {
    let constructor, func, description;
    if (typeof descriptionOrFunc === "function") {
      constructor = funcOrConstructor;
      func = descriptionOrFunc;
      description = maybeDescription;
    } else {
      constructor = G.DOMException;
      func = funcOrConstructor;
      description = descriptionOrFunc;
    }
    const { e } = thrown("assert_throws_dom", func, description);
    check_dom_error("assert_throws_dom", type, constructor, e, func, description);
  };
  // WebIDL's QuotaExceededError: a DOMException named so, of the
  // QuotaExceededError interface where the global has one, whose requested
  // and quota (each null, a number or a predicate) match.
  A.assert_throws_quotaexceedederror = (func, requested, quota, description) => {
    const fn = "assert_throws_quotaexceedederror";
    const { e } = thrown(fn, func, description);
    assert(typeof e === "object" && e !== null && e.name === "QuotaExceededError", fn, description,
      func + " threw " + format_value(e) + ", not a QuotaExceededError");
    assert(e instanceof G.DOMException, fn, description, func + " threw " + format_value(e) + ", not a DOMException");
    if (typeof G.QuotaExceededError === "function") {
      assert(e.constructor === G.QuotaExceededError, fn, description,
        func + " threw " + format_value(e) + ", not of the QuotaExceededError interface");
    }
    for (const [key, want] of [["requested", requested], ["quota", quota]]) {
      if (want === null || want === undefined) continue;
      const ok = typeof want === "function" ? want(e[key]) : same_value(e[key], want);
      assert(ok, fn, description, "property " + key + " is " + format_value(e[key]) + ", expected " + format_value(want));
    }
  };
  // The legacy form: code is a DOMException name or code, or an object
  // whose name the thrown value's must match.
  A.assert_throws = (code, func, description) => {
    const { e } = thrown("assert_throws", func, description);
    if (code !== null && typeof code === "object") {
      assert(typeof e === "object" && e !== null && e.name === code.name, "assert_throws", description,
        func + " threw " + format_value(e) + ", expected " + format_value(code.name));
      return;
    }
    check_dom_error("assert_throws", code, G.DOMException, e, func, description);
  };
  A.assert_throws_exactly = (exception, func, description) => {
    const { e } = thrown("assert_throws_exactly", func, description);
    assert(same_value(e, exception), "assert_throws_exactly", description,
      func + " threw " + format_value(e) + " but we expected it to throw " + format_value(exception));
  };

  // --- tests ---
  const tests = [];
  const completionCallbacks = [];
  const resultCallbacks = [];
  const startCallbacks = [];
  const harness = { status: "OK", message: null, explicitDone: false, done: false, loaded: false, allowUncaught: false };
  let promiseQueue = realPromise.resolve();
  let current = null;
  let finishResolve;
  const finished = new realPromise((resolve) => { finishResolve = resolve; });
  let timeoutTimer = null;

  function errorMessage(e) {
    if (e instanceof AssertionError) return e.message;
    try {
      if (e && typeof e === "object" && "name" in e && "message" in e) return e.name + ": " + e.message;
      return "Error: " + String(e);
    } catch (err) {
      return "an unprintable error";
    }
  }

  class Test {
    constructor(name, properties) {
      this.name = name;
      this.properties = properties || {};
      this.status = null; // null while running
      this.message = null;
      this.phase = "INITIAL";
      this.cleanups = [];
      this._timeouts = [];
      this._resolveDone = null;
      this._doneP = new realPromise((r) => { this._resolveDone = r; });
      tests.push(this);
      for (const cb of startCallbacks) cb(this);
    }
    step(func, this_obj, ...args) {
      if (this.phase === "COMPLETE" || this.phase === "CLEANING") return undefined;
      if (this_obj === undefined) this_obj = this;
      const prev = current;
      current = this;
      try {
        return func.apply(this_obj, args);
      } catch (e) {
        if (this.phase !== "COMPLETE" && this.phase !== "CLEANING") {
          this.status = e instanceof OptionalFeatureUnsupportedError ? "PRECONDITION_FAILED" : "FAIL";
          this.message = errorMessage(e);
          this.done();
        }
        return undefined;
      } finally {
        current = prev;
      }
    }
    // As testharness.js: with no this_obj argument, `this` is the test.
    step_func(func, this_obj) {
      const t = this;
      if (arguments.length === 1) this_obj = t;
      return function (...args) {
        return t.step(func, this_obj, ...args);
      };
    }
    step_func_done(func, this_obj) {
      const t = this;
      if (arguments.length === 1) this_obj = t;
      return function (...args) {
        let r;
        if (func) r = t.step(func, this_obj, ...args);
        t.done();
        return r;
      };
    }
    unreached_func(description) {
      return this.step_func(function () { A.assert_unreached(description); });
    }
    step_timeout(func, timeout, ...args) {
      const t = this;
      const id = realSetTimeout(() => t.step(func, t, ...args), timeout);
      this._timeouts.push(id);
      return id;
    }
    step_wait_func(cond, func, description, timeout = 3000, interval = 100) {
      const t = this;
      const deadline = Date.now() + timeout;
      const poll = () => {
        if (cond()) { func(); return; }
        if (Date.now() > deadline) { A.assert_unreached(description); return; }
        t.step_timeout(poll, interval);
      };
      t.step(poll);
    }
    step_wait_func_done(cond, func, description, timeout, interval) {
      this.step_wait_func(cond, () => { if (func) func(); this.done(); }, description, timeout, interval);
    }
    step_wait(cond, description, timeout, interval) {
      return new realPromise((resolve) => this.step_wait_func(cond, resolve, description, timeout, interval));
    }
    add_cleanup(func) { this.cleanups.push(func); }
    force_timeout() { this.timeout(); }
    timeout() {
      if (this.phase === "COMPLETE") return;
      this.status = "TIMEOUT";
      this.message = "Test timed out";
      this.done();
    }
    set_status(status, message) { this.status = status; this.message = message; }
    done() {
      if (this.phase === "COMPLETE" || this.phase === "CLEANING") return;
      if (this.status === null) this.status = "PASS";
      for (const id of this._timeouts) realClearTimeout(id);
      this.phase = "CLEANING";
      const pending = [];
      for (const f of this.cleanups) {
        try {
          const r = f();
          if (r && typeof r.then === "function") pending.push(r);
        } catch (e) {
          setHarnessError("Test named '" + this.name + "' threw in a cleanup function: " + errorMessage(e));
        }
      }
      const finish = () => {
        this.phase = "COMPLETE";
        for (const cb of resultCallbacks) cb(this);
        this._resolveDone();
        checkComplete();
      };
      if (pending.length) {
        realPromise.all(pending).then(finish, (e) => {
          setHarnessError("Test named '" + this.name + "' had a cleanup that rejected: " + errorMessage(e));
          finish();
        });
      } else {
        finish();
      }
    }
  }

  function setHarnessError(message) {
    if (harness.status === "OK") {
      harness.status = "ERROR";
      harness.message = message;
    }
  }

  function testName(func, name) {
    if (name) return String(name);
    if (func && func.name) return func.name;
    return G.__wpt_title || "Untitled";
  }

  function test(func, name, properties) {
    const t = new Test(testName(func, name), properties);
    t.phase = "STARTED";
    t.step(func, t, t);
    if (t.phase !== "COMPLETE" && t.phase !== "CLEANING") t.done();
    return t;
  }
  function async_test(func, name, properties) {
    if (typeof func !== "function") {
      properties = name;
      name = func;
      func = null;
    }
    const t = new Test(testName(func, name), properties);
    t.phase = "STARTED";
    if (func) t.step(func, t, t);
    return t;
  }
  function promise_test(func, name, properties) {
    const t = new Test(testName(func, name), properties);
    t.phase = "QUEUED";
    promiseQueue = promiseQueue.then(() => {
      if (t.phase === "COMPLETE") return undefined;
      t.phase = "STARTED";
      let p;
      try {
        current = t;
        p = func.call(t, t);
      } catch (e) {
        t.status = e instanceof OptionalFeatureUnsupportedError ? "PRECONDITION_FAILED" : "FAIL";
        t.message = errorMessage(e);
        t.done();
        return t._doneP;
      } finally {
        current = null;
      }
      if (!p || typeof p.then !== "function") {
        t.status = "FAIL";
        t.message = "promise_test: test body must return a 'thenable' object (received " + format_value(p) + ")";
        t.done();
        return t._doneP;
      }
      realPromise.resolve(p).then(() => t.done(), (e) => {
        if (t.phase === "COMPLETE" || t.phase === "CLEANING") return;
        t.status = e instanceof OptionalFeatureUnsupportedError ? "PRECONDITION_FAILED" : "FAIL";
        t.message = errorMessage(e);
        t.done();
      });
      return t._doneP;
    });
    return t;
  }
  function promise_rejects(test, check, promise, description) {
    return promise.then(test.unreached_func("Should have rejected: " + description), check);
  }
  function promise_rejects_js(test, constructor, promise, description) {
    return promise_rejects(test, (e) => check_js_error("promise_rejects_js", constructor, e, "function", description),
      promise, description);
  }
  function promise_rejects_dom(test, type, promiseOrConstructor, descriptionOrPromise, maybeDescription) {
    let constructor = G.DOMException, promise = promiseOrConstructor, description = descriptionOrPromise;
    if (typeof promiseOrConstructor === "function" && !(promiseOrConstructor instanceof Promise) &&
      typeof promiseOrConstructor.then !== "function") {
      constructor = promiseOrConstructor;
      promise = descriptionOrPromise;
      description = maybeDescription;
    }
    return promise_rejects(test, (e) => check_dom_error("promise_rejects_dom", type, constructor, e, "function", description),
      promise, description);
  }
  function promise_rejects_exactly(test, exception, promise, description) {
    return promise_rejects(test, (e) => A.assert_throws_exactly(exception, () => { throw e; }, description),
      promise, description);
  }

  function setup(funcOrProperties, maybeProperties) {
    let func = null, properties = {};
    if (typeof funcOrProperties === "function") {
      func = funcOrProperties;
      properties = maybeProperties || {};
    } else {
      properties = funcOrProperties || {};
    }
    if (properties.explicit_done) harness.explicitDone = true;
    if (properties.allow_uncaught_exception) harness.allowUncaught = true;
    if (func) {
      try {
        func();
      } catch (e) {
        setHarnessError("setup failed: " + errorMessage(e));
      }
    }
  }
  function promise_setup(func, properties) {
    setup(properties);
    promiseQueue = promiseQueue.then(() => realPromise.resolve().then(func)).catch((e) => {
      setHarnessError("promise_setup failed: " + errorMessage(e));
      for (const t of tests) {
        if (t.phase === "QUEUED") {
          t.status = "NOTRUN";
          t.message = "promise_setup failed";
          t.done();
        }
      }
    });
  }
  function done() {
    harness.explicitDone = false;
    harness.done = true;
    checkComplete();
  }
  function generate_tests(func, args, properties) {
    for (const x of args) {
      const name = x[0];
      test(function () { func.apply(this, x.slice(1)); }, name, Array.isArray(properties) ? properties[args.indexOf(x)] : properties);
    }
  }
  function step_timeout(func, timeout, ...args) {
    return realSetTimeout(func, timeout, ...args);
  }

  class EventWatcher {
    constructor(test, watchedNode, eventTypes, timeoutPromise) {
      if (typeof eventTypes === "string") eventTypes = [eventTypes];
      let waitingFor = null;
      let recordedEvents = null;
      const eventHandler = test.step_func((evt) => {
        A.assert_true(!!waitingFor, "Not expecting event, but got " + evt.type + " event");
        A.assert_equals(evt.type, waitingFor.types[0], "Expected " + waitingFor.types[0] + " event, but got " + evt.type + " event instead");
        if (Array.isArray(recordedEvents)) recordedEvents.push(evt);
        if (waitingFor.types.length > 1) {
          waitingFor.types.shift();
          return;
        }
        const resolveFunc = waitingFor.resolve;
        waitingFor = null;
        const result = recordedEvents || evt;
        recordedEvents = null;
        resolveFunc(result);
      });
      for (const type of eventTypes) watchedNode.addEventListener(type, eventHandler, false);
      this.wait_for = function (types, options) {
        if (waitingFor) return realPromise.reject("Already waiting for an event or events");
        if (typeof types === "string") types = [types];
        if (options && options.record && options.record === "all") recordedEvents = [];
        return new realPromise((resolve, reject) => {
          const timeout = test.step_func(() => {
            if (waitingFor && waitingFor.resolve === resolve) {
              waitingFor = null;
              reject(new Error("Timed out waiting for " + types.join(", ")));
            }
          });
          if (timeoutPromise) timeoutPromise().then(timeout);
          waitingFor = { types: types.slice(), resolve, reject };
        });
      };
      this.stop_watching = function () {
        for (const type of eventTypes) watchedNode.removeEventListener(type, eventHandler, false);
      };
      test.add_cleanup(() => this.stop_watching());
    }
  }

  function checkComplete() {
    if (harness.finished || !harness.loaded) return;
    if (harness.explicitDone && !harness.done) return;
    for (const t of tests) if (t.phase !== "COMPLETE") return;
    finish();
  }
  function finish() {
    if (harness.finished) return;
    harness.finished = true;
    if (timeoutTimer !== null) realClearTimeout(timeoutTimer);
    for (const t of tests) {
      if (t.phase !== "COMPLETE") {
        t.status = t.phase === "QUEUED" || t.phase === "INITIAL" ? "NOTRUN" : "TIMEOUT";
        t.message = t.status === "TIMEOUT" ? "Test timed out" : null;
        t.phase = "COMPLETE";
      }
    }
    const results = tests.map((t) => ({ name: t.name, status: t.status, message: t.message }));
    const status = { status: harness.status, message: harness.message };
    for (const cb of completionCallbacks) {
      try { cb(tests, status); } catch (e) { /* a callback's own failure changes no result */ }
    }
    finishResolve({ harness: status, tests: results });
  }

  function onUncaught(message) {
    if (harness.allowUncaught) return;
    if (current && current.phase !== "COMPLETE") {
      current.status = "FAIL";
      current.message = message;
      current.done();
      return;
    }
    setHarnessError(message);
  }
  if (typeof G.addEventListener === "function") {
    G.addEventListener("error", (e) => { onUncaught("Uncaught " + errorMessage(e.error !== undefined ? e.error : e.message)); });
    G.addEventListener("unhandledrejection", (e) => { onUncaught("Unhandled rejection: " + errorMessage(e.reason)); });
  }

  Object.assign(G, A, {
    AssertionError, OptionalFeatureUnsupportedError, format_value,
    test, async_test, promise_test, promise_rejects_js, promise_rejects_dom, promise_rejects_exactly,
    setup, promise_setup, done, generate_tests, step_timeout, EventWatcher,
    // testharness.js's helper for loading a JSON resource.
    fetch_json: (resource) => G.fetch(resource).then((r) => r.json()),
    add_completion_callback: (f) => completionCallbacks.push(f),
    add_result_callback: (f) => resultCallbacks.push(f),
    add_start_callback: (f) => startCallbacks.push(f),
  });

  // __wpt_run evaluates the file (main) at url and resolves to the results.
  G.__wpt_run = function (url, timeoutMs, main) {
    state.url = new realURL(url);
    try {
      main();
    } catch (e) {
      setHarnessError("Uncaught " + errorMessage(e));
    }
    harness.loaded = true;
    timeoutTimer = realSetTimeout(() => {
      harness.status = harness.status === "OK" ? "TIMEOUT" : harness.status;
      finish();
    }, timeoutMs);
    realPromise.resolve().then(checkComplete);
    return finished;
  };
  G.__wpt_respond = function (results) {
    return new realResponse(realJSON.stringify(results), { headers: { "content-type": "application/json" } });
  };
  void realRequest;
})();

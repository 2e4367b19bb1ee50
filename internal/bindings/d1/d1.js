// D1 databases: env.DB (and a global in service-worker format) as workerd
// shapes it. Go runs the SQL (internal/d1) and answers in D1's
// rows-and-columns form; this module turns that into what D1's methods
// return and throws D1's errors.
import { registerBindingFactory } from "runtime:bindings.js";
import { setToStringTag } from "runtime:util.js";
import { registerUncloneable } from "runtime:structuredclone.js";

const kToken = Symbol("D1Database");
const FIRST_PRIMARY = "first-primary";
const FIRST_UNCONSTRAINED = "first-unconstrained";

function d1Error(prefix, message) {
  return new Error(`${prefix}: ${message}`, { cause: new Error(message) });
}

// toParam converts one bound value as D1 does: numbers and strings as they
// are, booleans as 1/0, null, byte arrays, ArrayBuffers and views as BLOBs;
// anything else (undefined, bigint, objects) is a D1_TYPE_ERROR.
function toParam(v) {
  const type = typeof v;
  if (type === "number" || type === "string") return v;
  if (type === "boolean") return v ? 1 : 0;
  if (type === "object") {
    if (v === null) return null;
    if (Array.isArray(v) && v.every((b) => typeof b === "number" && b >= 0 && b < 256)) return v;
    if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
    if (ArrayBuffer.isView(v)) return Array.from(v);
  }
  const msg = `Type '${type}' not supported for value '${v}'`;
  throw d1Error("D1_TYPE_ERROR", msg);
}

function rowsToObjects(columns, rows) {
  return rows.map((row) => Object.fromEntries(row.map((cell, i) => [columns[i], cell])));
}

function asResult(r) {
  return { success: true, meta: r.meta, results: rowsToObjects(r.columns, r.rows) };
}

export class D1DatabaseSession {
  #host;
  #bookmark; // a bookmark, a constraint, or null (always the primary)
  constructor(token, host, bookmarkOrConstraint) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#host = host;
    if (bookmarkOrConstraint === null) {
      this.#bookmark = null;
    } else {
      this.#bookmark = String(bookmarkOrConstraint).trim();
      if (!this.#bookmark) throw new Error("D1_SESSION_ERROR: invalid bookmark or constraint");
    }
  }

  prepare(query) {
    return new D1PreparedStatement(kToken, this, query, []);
  }

  async batch(statements) {
    // As workerd, anything with a statement and params will do.
    const results = await this._query(Array.from(statements, (s) => ({ sql: s.statement, params: s.params })));
    return results.map(asResult);
  }

  getBookmark() {
    if (this.#bookmark === null || this.#bookmark === FIRST_PRIMARY || this.#bookmark === FIRST_UNCONSTRAINED) {
      return null;
    }
    return this.#bookmark;
  }

  // _query sends queries and throws D1's error when one fails. A session
  // keeps the latest bookmark it has seen.
  async _query(queries, prefix = "D1_ERROR") {
    for (const q of queries) {
      if (typeof q.sql !== "string") throw d1Error(prefix || "D1_ERROR", `SQL must be a string, found ${typeof q.sql}`);
      if (q.params === undefined || q.params === null) q.params = [];
    }
    const session = this.#bookmark !== null;
    const answer = JSON.parse(await this.#host.query(JSON.stringify({ queries, bookmark: session }), 0));
    if (answer.error !== undefined) throw d1Error(prefix, answer.error);
    if (session && answer.bookmark) {
      const current = this.getBookmark();
      if (current === null || current.localeCompare(answer.bookmark) < 0) this.#bookmark = answer.bookmark;
    }
    return answer.results;
  }
}
setToStringTag(D1DatabaseSession, "D1DatabaseSession");

export class D1Database {
  #primary;
  #host;
  constructor(token, host) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#host = host;
    this.#primary = new D1DatabaseSession(kToken, host, null);
  }

  prepare(query) {
    return this.#primary.prepare(query);
  }

  batch(statements) {
    return this.#primary.batch(statements);
  }

  // exec runs each line as a query, in one transaction; as under wrangler
  // dev, a failure is reported against the first line.
  async exec(query) {
    const lines = String(query).trim().split("\n");
    let results;
    try {
      results = await this.#primary._query(lines.map((sql) => ({ sql, params: [] })), "");
    } catch (e) {
      const message = `Error in line 1: ${lines[0]}: ${e.cause?.message ?? e.message}`;
      throw d1Error("D1_EXEC_ERROR", message);
    }
    return { count: results.length, duration: results.reduce((sum, r) => sum + r.meta.duration, 0) };
  }

  withSession(constraintOrBookmark) {
    let c = constraintOrBookmark === undefined || constraintOrBookmark === null ? "" : String(constraintOrBookmark).trim();
    if (c === "") c = FIRST_UNCONSTRAINED;
    return new D1DatabaseSession(kToken, this.#host, c);
  }

  async query() {
    throw new Error(
      "D1_ERROR: D1Database.query() requires the d1_binding_jsrpc compatibility flag. Enable d1_binding_jsrpc before calling query().",
    );
  }

  // dump() is deprecated and D1 refuses it; wrangler dev's local D1 has no
  // such route.
  async dump() {
    throw new Error("D1_DUMP_ERROR: Status + 404", { cause: new Error("Status 404") });
  }
}
setToStringTag(D1Database, "D1Database");

export class D1PreparedStatement {
  #session;
  constructor(token, session, statement, params) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#session = session;
    this.statement = statement;
    this.params = params;
  }

  bind(...values) {
    return new D1PreparedStatement(kToken, this.#session, this.statement, values.map(toParam));
  }

  async #one() {
    const [r] = await this.#session._query([{ sql: this.statement, params: this.params }]);
    return r;
  }

  async first(colName) {
    const r = await this.#one();
    if (r.rows.length === 0) return null;
    const row = rowsToObjects(r.columns, [r.rows[0]])[0];
    if (colName === undefined) return row;
    if (row[colName] === undefined) {
      throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${colName})`, { cause: new Error("Column not found") });
    }
    return row[colName];
  }

  async run() {
    return asResult(await this.#one());
  }

  async all() {
    return asResult(await this.#one());
  }

  async raw(options) {
    const r = await this.#one();
    return options?.columnNames ? [r.columns, ...r.rows] : r.rows;
  }
}
setToStringTag(D1PreparedStatement, "D1PreparedStatement");

registerUncloneable(D1Database);
registerBindingFactory("d1", (name, host) => new D1Database(kToken, host));

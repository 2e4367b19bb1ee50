// Hyperdrive bindings ([[hyperdrive]]): the database's connection string
// and its parts, and connect() for a TCP socket to it. Locally the binding
// reaches the configured database directly, as under wrangler dev.
import { registerBindingFactory } from "runtime:bindings.js";
import { connect } from "runtime:sockets.js";

export class Hyperdrive {
  #spec;
  constructor(token, spec) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#spec = spec;
  }
  #get(key) {
    if (this.#spec.error) throw new Error(this.#spec.error);
    return this.#spec[key];
  }
  get connectionString() { return this.#get("connectionString"); }
  get host() { return this.#get("host"); }
  get port() { return this.#get("port"); }
  get user() { return this.#get("user"); }
  get password() { return this.#get("password"); }
  get database() { return this.#get("database"); }
  connect() {
    return connect({ hostname: this.host, port: this.port });
  }
}

const kToken = Symbol("hyperdrive");

registerBindingFactory("hyperdrive", (name, host) => new Hyperdrive(kToken, host.spec));

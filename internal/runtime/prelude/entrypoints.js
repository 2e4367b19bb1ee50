// The base classes of cloudflare:workers. A worker's entrypoints (its
// default export and named exports) may extend WorkerEntrypoint; Durable
// Object classes extend DurableObject. Both get ctx and env as this.ctx
// and this.env, and their methods are callable over RPC.
import { RpcTarget } from "./rpc.js";

export class WorkerEntrypoint extends RpcTarget {
  constructor(ctx, env) {
    super();
    this.ctx = ctx;
    this.env = env;
  }
}
Object.defineProperty(WorkerEntrypoint.prototype, Symbol.toStringTag, { value: "WorkerEntrypoint", configurable: true });

export class DurableObject extends RpcTarget {
  constructor(ctx, env) {
    super();
    this.ctx = ctx;
    this.env = env;
  }
}
Object.defineProperty(DurableObject.prototype, Symbol.toStringTag, { value: "DurableObject", configurable: true });

// Workflows are not run by Outpost: a class may extend WorkflowEntrypoint
// (so projects that export one still build and serve), and making one
// says why it cannot run.
export class WorkflowEntrypoint extends RpcTarget {
  constructor() {
    super();
    throw new Error("Workflows (WorkflowEntrypoint) are not supported by Outpost yet.");
  }
}

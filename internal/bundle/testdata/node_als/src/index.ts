import { AsyncLocalStorage } from "node:async_hooks";

const als = new AsyncLocalStorage<string>();

export default {
  async fetch(request: Request): Promise<Response> {
    return als.run("id", async () => {
      await Promise.resolve();
      return new Response(als.getStore());
    });
  },
};

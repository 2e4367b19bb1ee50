import { Hono } from "hono";
import { FakeApi } from "./fakeapi";

// Bindings: the KV namespace, the API's base URL ([vars]) and its
// credentials (secrets, from .dev.vars locally).
export interface Env {
  Bindings: {
    KV: KVNamespace;
    FAKEAPI_BASE_URL: string;
    FAKEAPI_USERNAME: string;
    FAKEAPI_PASSWORD: string;
  };
}

const app = new Hono<Env>();

app.get("/", async (c) => {
  const res = await FakeApi.getCurrentUser(c);
  return c.json(res);
});

export default app;

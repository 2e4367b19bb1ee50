import { Hono } from "hono";

type Bindings = { APP_NAME: string };

const app = new Hono<{ Bindings: Bindings }>();

// Middleware: a header on every response.
app.use("*", async (c, next) => {
  await next();
  c.header("x-powered-by", c.env.APP_NAME);
});

app.get("/", (c) => c.text("Hello Hono!"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null }));
app.post("/users", async (c) => {
  const body = await c.req.json<{ name: string }>();
  return c.json({ created: body.name }, 201);
});
app.notFound((c) => c.json({ error: "not found" }, 404));
app.onError((err, c) => c.json({ error: err.message }, 500));
app.get("/error", () => {
  throw new Error("hono handler failed");
});

export default app;

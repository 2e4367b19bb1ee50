// A Hono JSON route with a path parameter: router + c.json().
import { Hono } from "hono";

const app = new Hono();

app.get("/users/:id", (c) => {
  const id = c.req.param("id");
  return c.json({ id, name: `User ${id}`, roles: ["reader", "writer"], active: true });
});

export default app;

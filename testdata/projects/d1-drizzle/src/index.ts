import { drizzle } from "drizzle-orm/d1";
import { count, desc, eq, sql } from "drizzle-orm";
import * as schema from "./schema";
import { posts, users } from "./schema";

interface Env {
  DB: D1Database;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const db = drizzle(env.DB, { schema });
    const url = new URL(request.url);
    try {
      if (request.method === "POST" && url.pathname === "/users") {
        const { name, email } = (await request.json()) as { name: string; email: string };
        const [user] = await db.insert(users).values({ name, email }).returning();
        return Response.json(user, { status: 201 });
      }
      if (request.method === "POST" && url.pathname === "/posts") {
        const body = (await request.json()) as { authorId: number; title: string; tags: string[] };
        const [post] = await db
          .insert(posts)
          .values({ authorId: body.authorId, title: body.title, meta: { tags: body.tags } })
          .returning({ id: posts.id, title: posts.title });
        return Response.json(post, { status: 201 });
      }
      if (url.pathname === "/users") {
        return Response.json(await db.select().from(users).orderBy(users.id));
      }
      const userMatch = url.pathname.match(/^\/users\/(\d+)$/);
      if (userMatch && request.method === "PATCH") {
        const { name } = (await request.json()) as { name: string };
        const updated = await db.update(users).set({ name }).where(eq(users.id, Number(userMatch[1]))).returning({ name: users.name });
        return Response.json(updated);
      }
      if (userMatch && request.method === "DELETE") {
        const result = await db.delete(users).where(eq(users.id, Number(userMatch[1])));
        return Response.json({ changes: result.meta.changes });
      }
      if (userMatch) {
        const user = await db.query.users.findFirst({
          where: eq(users.id, Number(userMatch[1])),
          with: { posts: { columns: { title: true, meta: true } } },
        });
        return user ? Response.json(user) : new Response("no such user", { status: 404 });
      }
      if (url.pathname === "/stats") {
        const rows = await db
          .select({ author: users.name, posts: count(posts.id) })
          .from(users)
          .leftJoin(posts, eq(posts.authorId, users.id))
          .groupBy(users.id)
          .orderBy(desc(count(posts.id)), users.name);
        const [{ total }] = await db.select({ total: sql<number>`count(*)` }).from(posts);
        return Response.json({ rows, total });
      }
      if (url.pathname === "/batch") {
        // db.batch is D1's batch(): atomic, so the duplicate email rolls back
        // the first insert.
        try {
          await db.batch([
            db.insert(users).values({ name: "Batch One", email: "one@example.com" }),
            db.insert(users).values({ name: "Dup", email: "ada@example.com" }),
          ]);
          return new Response("batch succeeded");
        } catch (e) {
          const [{ n }] = await db.select({ n: count() }).from(users).where(eq(users.email, "one@example.com"));
          return Response.json({ error: String((e as Error).cause ?? e), rolledBack: n === 0 });
        }
      }
      if (url.pathname === "/first-created") {
        const [u] = await db.select({ createdAt: users.createdAt }).from(users).limit(1);
        return Response.json({ isDate: u.createdAt instanceof Date, year: u.createdAt.getUTCFullYear() >= 2025 });
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      const err = e as Error;
      return Response.json({ error: err.message, cause: String(err.cause ?? "") }, { status: 500 });
    }
  },
};

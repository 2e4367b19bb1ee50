// zod validating request bodies and query strings in a worker.
import { z } from "zod";
import * as z4 from "zod/v4";

const Signup = z
  .object({
    email: z.string().trim().toLowerCase().email(),
    name: z.string().min(2).max(40),
    age: z.coerce.number().int().gte(18),
    website: z.string().url().optional(),
    plan: z.enum(["free", "pro", "team"]).default("free"),
    tags: z.array(z.string().regex(/^\p{Letter}[\p{Letter}\p{Number}-]*$/u)).max(5).default([]),
    password: z.string().min(8),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { message: "passwords differ", path: ["confirm"] })
  .transform(({ password, confirm, ...rest }) => ({ ...rest, id: crypto.randomUUID(), createdAt: new Date(0).toISOString() }));

const Query = z.object({
  page: z.coerce.number().int().positive().default(1),
  sort: z.union([z.literal("asc"), z.literal("desc")]).default("asc"),
  since: z.string().datetime({ offset: true }).optional(),
});

const Event = z.discriminatedUnion("type", [
  z.object({ type: z.literal("click"), x: z.number(), y: z.number() }),
  z.object({ type: z.literal("key"), key: z.string().length(1) }),
]);

// zod 4 (shipped as zod/v4): top-level formats, treeifyError, prettifyError.
const Signup4 = z4.object({
  email: z4.email(),
  name: z4.string().min(2),
  age: z4.coerce.number().int().gte(18),
  id: z4.uuid().optional(),
  plan: z4.enum(["free", "pro"]).default("free"),
});

const Output = z.object({ id: z.string().uuid(), createdAt: z.string().datetime() }).passthrough();

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/signup" && request.method === "POST") {
      const result = Signup.safeParse(await request.json());
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), code: i.code, message: i.message }));
        return Response.json({ issues, flat: result.error.flatten().fieldErrors }, { status: 400 });
      }
      // The output passes its own schema too (uuid and datetime checks).
      Output.parse(result.data);
      return Response.json(result.data, { status: 201 });
    }
    if (url.pathname === "/search") {
      const q = Query.safeParse(Object.fromEntries(url.searchParams));
      if (!q.success) return Response.json(q.error.format(), { status: 400 });
      return Response.json(q.data);
    }
    if (url.pathname === "/events" && request.method === "POST") {
      try {
        const events = z.array(Event).parse(await request.json());
        return Response.json({ count: events.length, kinds: events.map((e) => e.type) });
      } catch (e) {
        if (e instanceof z.ZodError) return Response.json({ error: e.issues[0].message, path: e.issues[0].path }, { status: 422 });
        throw e;
      }
    }
    if (url.pathname === "/v4/signup" && request.method === "POST") {
      const result = Signup4.safeParse(await request.json());
      if (!result.success) return Response.json({ tree: z4.treeifyError(result.error), pretty: z4.prettifyError(result.error) }, { status: 400 });
      return Response.json(result.data, { status: 201 });
    }
    if (url.pathname === "/eval") {
      // Workers refuse code generation; zod 4 then validates without its JIT.
      try {
        new Function("return 1");
        return new Response("code generation allowed");
      } catch (e) {
        return new Response(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    return new Response("not found", { status: 404 });
  },
};

// Hono with its bundled middleware, as a Workers project would use it.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { bodyLimit } from "hono/body-limit";
import { cache } from "hono/cache";
import { compress } from "hono/compress";
import { deleteCookie, getCookie, getSignedCookie, setCookie, setSignedCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { jwt, sign, verify } from "hono/jwt";
import { logger } from "hono/logger";
import { requestId } from "hono/request-id";
import { secureHeaders, NONCE } from "hono/secure-headers";
import { stream, streamSSE, streamText } from "hono/streaming";
import { timing, setMetric, startTime, endTime } from "hono/timing";
import { z } from "zod";
import { streamPage } from "./page";

type Env = { Bindings: { JWT_SECRET: string; ADMIN_PASSWORD: string } };

const app = new Hono<Env>();
app.use(logger());
app.use(requestId());

app.get("/", (c) => c.text("hono middleware suite"));

// etag: a strong ETag over the body, 304 on a matching If-None-Match.
app.use("/etag/*", etag());
app.get("/etag/doc", (c) => c.json({ doc: "stable content", version: 3 }));

// cors: preflight and simple requests for one allowed origin.
app.use(
  "/api/*",
  cors({
    origin: ["https://app.example"],
    allowMethods: ["GET", "POST", "DELETE"],
    allowHeaders: ["X-Custom", "Content-Type"],
    exposeHeaders: ["X-Request-Count"],
    credentials: true,
    maxAge: 600,
  }),
);
app.get("/api/items", (c) => {
  c.header("X-Request-Count", "7");
  return c.json([{ id: 1 }, { id: 2 }]);
});
app.delete("/api/items/:id", (c) => c.json({ deleted: c.req.param("id") }));

// secure-headers, with a per-request CSP nonce.
app.use(
  "/secure/*",
  secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'self'"], scriptSrc: ["'self'", NONCE] },
    strictTransportSecurity: "max-age=63072000; includeSubDomains",
  }),
);
app.get("/secure/page", (c) => {
  const nonce = c.get("secureHeadersNonce");
  return c.html(`<script nonce="${nonce}">1</script>`);
});

// basic-auth against a var.
app.use("/admin/*", async (c, next) =>
  basicAuth({ username: "admin", password: c.env.ADMIN_PASSWORD, realm: "outpost admin" })(c, next),
);
app.get("/admin/stats", (c) => c.json({ ok: true, user: "admin" }));

// compress: gzip or deflate by Accept-Encoding (bodies over 1 KiB).
app.use("/compress/*", compress());
app.get("/compress/text", (c) => c.text(Array.from({ length: 400 }, (_, i) => `line ${i} of a compressible body`).join("\n")));

// jwt: sign with hono/jwt, then protect routes with the jwt middleware.
app.post("/jwt/token", async (c) => {
  const { sub } = await c.req.json<{ sub: string }>();
  const token = await sign({ sub, role: "reader", exp: Math.floor(Date.now() / 1000) + 300 }, c.env.JWT_SECRET, "HS256");
  return c.json({ token });
});
app.get("/jwt/verify", async (c) => {
  try {
    const payload = await verify(c.req.query("token") ?? "", c.env.JWT_SECRET, "HS256");
    return c.json({ valid: true, sub: payload.sub });
  } catch (e) {
    return c.json({ valid: false, error: (e as Error).name }, 400);
  }
});
app.use("/jwt/private/*", (c, next) => jwt({ secret: c.env.JWT_SECRET, alg: "HS256" })(c, next));
app.get("/jwt/private/me", (c) => {
  const payload = c.get("jwtPayload");
  return c.json({ sub: payload.sub, role: payload.role });
});

// cache: the Cache API in front of a handler that counts its calls.
let rendered = 0;
app.get(
  "/cached/*",
  cache({ cacheName: "pkg-hono", cacheControl: "max-age=60" }), // stores through ctx.waitUntil
  (c) => {
    rendered++;
    return c.text(`rendered ${rendered} for ${c.req.path}`);
  },
);

// streaming helpers: chunks reach the client as they are written.
app.get("/stream/bytes", (c) =>
  stream(c, async (s) => {
    for (let i = 0; i < 3; i++) {
      await s.write(new TextEncoder().encode(`part ${i}\n`));
      await s.sleep(150);
    }
  }),
);
app.get("/stream/text", (c) =>
  streamText(c, async (s) => {
    await s.writeln("hello");
    await s.sleep(150);
    await s.write("world");
  }),
);
app.get("/stream/sse", (c) =>
  streamSSE(c, async (s) => {
    for (let i = 0; i < 3; i++) {
      await s.writeSSE({ event: "tick", id: String(i), data: JSON.stringify({ n: i }) });
      await s.sleep(150);
    }
  }),
);

// body-limit: refuse uploads over 1 KiB while reading the stream.
app.post(
  "/upload",
  bodyLimit({ maxSize: 1024, onError: (c) => c.text("too big", 413) }),
  async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength, id: c.get("requestId") }),
);

// timing: Server-Timing from performance.now around awaited work.
app.get("/timed", timing(), async (c) => {
  startTime(c, "db");
  await new Promise((r) => setTimeout(r, 30));
  endTime(c, "db");
  setMetric(c, "region", "local");
  return c.text("timed");
});

// hono/jsx streaming SSR with Suspense.
app.get("/jsx", (c) =>
  c.body(streamPage(Number(c.req.query("delay") ?? "300")), {
    headers: { "Content-Type": "text/html; charset=UTF-8", "Transfer-Encoding": "chunked" },
  }),
);

// cookies: plain and HMAC-signed, several Set-Cookie headers on one response.
app.post("/session", async (c) => {
  setCookie(c, "theme", "dark", { path: "/", httpOnly: true, sameSite: "Lax" });
  await setSignedCookie(c, "session", "user-42", c.env.JWT_SECRET, { path: "/", secure: true, maxAge: 3600 });
  deleteCookie(c, "legacy", { path: "/" });
  return c.text("session started");
});
app.get("/session", async (c) => {
  const session = await getSignedCookie(c, c.env.JWT_SECRET, "session");
  return c.json({ theme: getCookie(c, "theme") ?? null, session: session === false ? "tampered" : session ?? null });
});

// multipart and urlencoded forms through c.req.parseBody().
app.post("/form", async (c) => {
  const describe = async (v: string | File) =>
    v instanceof File ? { file: v.name, type: v.type, size: v.size, text: await v.text() } : v;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(await c.req.parseBody({ all: true }))) {
    out[k] = Array.isArray(v) ? await Promise.all(v.map(describe)) : await describe(v as string | File);
  }
  return c.json(out);
});

// @hono/zod-validator: typed, validated JSON bodies and queries.
app.post(
  "/books",
  zValidator("query", z.object({ dryRun: z.enum(["0", "1"]).default("0") })),
  zValidator("json", z.object({ title: z.string().min(1), year: z.number().int().max(2100), tags: z.array(z.string()).default([]) }), (result, c) => {
    if (!result.success) return c.json({ invalid: result.error.issues.map((i) => i.path.join(".")) }, 422);
  }),
  (c) => {
    const book = c.req.valid("json");
    return c.json({ saved: c.req.valid("query").dryRun === "0", book }, 201);
  },
);

// An endless event stream that stops when the client goes away.
app.get("/stream/forever", (c) =>
  streamSSE(c, async (s) => {
    let sent = 0;
    s.onAbort(() => console.log(`sse client went away after ${sent} events`));
    while (!s.aborted) {
      await s.writeSSE({ data: `event ${sent++}` });
      await s.sleep(50);
    }
  }),
);

export default app;

// node-postgres (pg), unchanged, over cloudflare:sockets: pg detects the
// Workers runtime and reaches PostgreSQL through connect() (pg-cloudflare).
import pg from "pg";
import net from "node:net";

async function withClient(env, fn) {
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      switch (url.pathname) {
        case "/version":
          return Response.json(await withClient(env, async (c) => {
            const { rows } = await c.query("select version() as v, 1 + 1 as two");
            return rows[0];
          }));
        case "/setup":
          await withClient(env, (c) => c.query(
            "create table if not exists notes (id serial primary key, body text not null, tags text[], created timestamptz default now())"));
          return new Response("ok");
        case "/notes":
          if (request.method === "POST") {
            const { body, tags } = await request.json();
            const row = await withClient(env, async (c) => {
              const { rows } = await c.query("insert into notes (body, tags) values ($1, $2) returning id, body, tags", [body, tags]);
              return rows[0];
            });
            return Response.json(row, { status: 201 });
          }
          return Response.json(await withClient(env, async (c) => {
            const { rows } = await c.query("select id, body, tags, created from notes where body ilike $1 order by id", [`%${url.searchParams.get("q") ?? ""}%`]);
            return rows.map((r) => ({ ...r, created: r.created instanceof Date }));
          }));
        case "/tx":
          // A transaction that fails rolls back.
          return Response.json(await withClient(env, async (c) => {
            await c.query("begin");
            await c.query("insert into notes (body) values ('in a rolled-back transaction')");
            try {
              await c.query("insert into notes (body) values (null)");
            } catch (err) {
              await c.query("rollback");
              const { rows } = await c.query("select count(*)::int as n from notes where body = 'in a rolled-back transaction'");
              return { error: err.message, code: err.code, kept: rows[0].n };
            }
            throw new Error("the null insert succeeded");
          }));
        case "/big":
          // A large result spans many socket reads.
          return Response.json(await withClient(env, async (c) => {
            const { rows } = await c.query("select g as n, repeat('x', 100) as pad from generate_series(1, $1::int) g", [Number(url.searchParams.get("n") ?? 1000)]);
            return { count: rows.length, sum: rows.reduce((s, r) => s + r.n, 0) };
          }));
        case "/net": {
          // pg's documented stream option, here a node:net socket.
          const client = new pg.Client({ connectionString: env.DATABASE_URL, stream: () => new net.Socket() });
          await client.connect();
          try {
            const { rows } = await client.query("select $1::text || ' over node:net' as v, inet_client_addr() is not null as tcp", ["pg"]);
            return Response.json(rows[0]);
          } finally {
            await client.end();
          }
        }
        case "/hyperdrive": {
          // The documented Hyperdrive pattern: the binding's connection string.
          const client = new pg.Client({ connectionString: env.HYPERDRIVE.connectionString });
          await client.connect();
          try {
            const { rows } = await client.query("select current_database() as db, current_user as usr");
            const h = env.HYPERDRIVE;
            return Response.json({ ...rows[0], sameDb: rows[0].db === h.database, user: h.user, port: typeof h.port });
          } finally {
            await client.end();
          }
        }
        case "/tls": {
          // sslmode=require: pg asks for TLS and upgrades the socket with startTls().
          if (!env.TLS_DATABASE_URL) return new Response("no TLS_DATABASE_URL", { status: 404 });
          const client = new pg.Client({ connectionString: env.TLS_DATABASE_URL });
          await client.connect();
          try {
            const { rows } = await client.query("select 'over TLS' as v");
            return Response.json(rows[0]);
          } finally {
            await client.end();
          }
        }
        case "/pool": {
          const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 3 });
          const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.query("select $1::int * 10 as v, pg_backend_pid() as pid", [i])));
          await pool.end();
          return Response.json({ values: results.map((r) => r.rows[0].v), backends: new Set(results.map((r) => r.rows[0].pid)).size });
        }
      }
      return new Response("not found", { status: 404 });
    } catch (err) {
      return new Response(`${err.name}: ${err.message}`, { status: 500 });
    }
  },
};

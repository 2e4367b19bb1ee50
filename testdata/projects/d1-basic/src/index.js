// Drives env.DB from HTTP so the end-to-end tests can exercise every D1
// method, the type mapping both ways and D1's errors.
function fail(e) {
  return Response.json({ error: e.message, cause: e.cause?.message ?? null, name: e.name }, { status: 500 });
}

function stripDuration(r) {
  if (r && r.meta) {
    r.meta = { ...r.meta };
    if (typeof r.meta.duration !== "number") throw new Error("meta.duration is not a number");
    delete r.meta.duration;
  }
  return r;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      switch (url.pathname) {
        case "/sql": {
          const { sql, params = [], method = "all", col, columnNames } = await request.json();
          const stmt = env.DB.prepare(sql).bind(...params);
          switch (method) {
            case "first":
              return Response.json({ value: col === undefined ? await stmt.first() : await stmt.first(col) });
            case "raw":
              return Response.json(await stmt.raw(columnNames === undefined ? undefined : { columnNames }));
            case "run":
              return Response.json(stripDuration(await stmt.run()));
            default:
              return Response.json(stripDuration(await stmt.all()));
          }
        }
        case "/batch": {
          const { statements } = await request.json();
          const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...(s.params ?? []))));
          return Response.json(results.map(stripDuration));
        }
        case "/exec": {
          const r = await env.DB.exec(await request.text());
          return Response.json({ count: r.count, durationIsNumber: typeof r.duration === "number" });
        }
        case "/types": {
          // JavaScript values in, SQLite types and JavaScript values out.
          await env.DB.exec("CREATE TABLE IF NOT EXISTS types (v)");
          await env.DB.exec("DELETE FROM types");
          const values = [
            null, 42, 1.5, -0.25, 2 ** 53, "text ✓", "", true, false,
            new Uint8Array([1, 2, 255]).buffer, new Uint8Array([7, 8]), new Uint16Array([258]), [9, 10],
          ];
          await env.DB.batch(values.map((v) => env.DB.prepare("INSERT INTO types (v) VALUES (?)").bind(v)));
          const rows = await env.DB.prepare("SELECT v, typeof(v) AS t FROM types ORDER BY rowid").all();
          const big = await env.DB.prepare("SELECT 9223372036854775807 AS big, 1e999 AS inf, -1e999 AS ninf").first();
          const refused = [];
          for (const v of [undefined, 10n, { a: 1 }, Symbol("s"), [1, 300]]) {
            try {
              env.DB.prepare("SELECT ?").bind(v);
              refused.push("accepted");
            } catch (e) {
              refused.push(typeof v === "symbol" ? e.message.slice(0, 30) : e.message);
            }
          }
          return Response.json({
            rows: rows.results,
            big: big.big,
            bigIsNumber: typeof big.big === "number",
            inf: big.inf === Infinity && big.ninf === -Infinity,
            refused,
          });
        }
        case "/session": {
          const constraint = url.searchParams.get("constraint") ?? undefined;
          const session = env.DB.withSession(constraint);
          const before = session.getBookmark();
          await session.prepare("CREATE TABLE IF NOT EXISTS visits (n INTEGER)").run();
          await session.prepare("INSERT INTO visits (n) VALUES (?)").bind(1).run();
          const after = session.getBookmark();
          const count = await session.prepare("SELECT count(*) AS c FROM visits").first("c");
          const batch = await session.batch([session.prepare("SELECT 1 AS one")]);
          const resumed = env.DB.withSession(after);
          const seen = await resumed.prepare("SELECT count(*) AS c FROM visits").first("c");
          return Response.json({
            before, after, afterIsString: typeof after === "string", count,
            batch: batch[0].results, resumed: resumed.getBookmark() >= after, seen,
            tag: Object.prototype.toString.call(session),
          });
        }
        case "/dump": {
          try {
            await env.DB.dump();
            return new Response("dump succeeded");
          } catch (e) {
            return fail(e);
          }
        }
        case "/shape":
          return Response.json({
            tag: Object.prototype.toString.call(env.DB),
            methods: ["prepare", "batch", "exec", "withSession", "dump"].map((m) => typeof env.DB[m]),
            stmt: Object.prototype.toString.call(env.DB.prepare("SELECT 1")),
          });
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return fail(e);
    }
  },
};

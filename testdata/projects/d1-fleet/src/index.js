// A D1 database used from every node of a fleet: the tests write through
// one node and read through another, with and without a session bookmark.
// NODE (a var set per node) says which node answered.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      switch (url.pathname) {
        case "/note": {
          // A write in a session: its bookmark comes back to the client.
          const session = env.DB.withSession("first-primary");
          const body = await request.text();
          const r = await session.prepare("INSERT INTO notes (body, node) VALUES (?, ?)").bind(body, env.NODE).run();
          return Response.json({ node: env.NODE, id: r.meta.last_row_id, bookmark: session.getBookmark() });
        }
        case "/notes": {
          // A read in a session that starts from the client's bookmark.
          const session = env.DB.withSession(url.searchParams.get("bookmark") ?? "first-unconstrained");
          const { results } = await session.prepare("SELECT id, body, node FROM notes ORDER BY id").all();
          return Response.json({ node: env.NODE, notes: results, bookmark: session.getBookmark() });
        }
        case "/insert": {
          const n = Number(url.searchParams.get("n"));
          await env.DB.prepare("INSERT INTO burst (n) VALUES (?)").bind(n).run();
          return Response.json({ node: env.NODE, n });
        }
        case "/batch": {
          // Atomic across the forward: the second statement fails, so the
          // first is rolled back.
          try {
            await env.DB.batch([
              env.DB.prepare("INSERT INTO notes (body, node) VALUES ('never', ?)").bind(env.NODE),
              env.DB.prepare("INSERT INTO no_such_table VALUES (1)"),
            ]);
            return Response.json({ error: "the batch did not fail" }, { status: 500 });
          } catch (e) {
            const never = await env.DB.prepare("SELECT count(*) AS c FROM notes WHERE body = 'never'").first("c");
            return Response.json({ node: env.NODE, error: e.message, never });
          }
        }
        case "/types": {
          const row = await env.DB.prepare("SELECT ? AS i, ? AS f, ? AS s, ? AS b, 9007199254740993 AS big, 1e999 AS inf")
            .bind(42, 1.5, "text ✓", new Uint8Array([1, 2, 255]), ).first();
          const raw = await env.DB.prepare("SELECT 1 AS one, 'x' AS two").raw({ columnNames: true });
          return Response.json({ node: env.NODE, row: { ...row, inf: row.inf === Infinity }, raw });
        }
        case "/exec": {
          const r = await env.DB.exec(await request.text());
          return Response.json({ node: env.NODE, count: r.count });
        }
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return Response.json({ node: env.NODE, error: e.message }, { status: 500 });
    }
  },
};

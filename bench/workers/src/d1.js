// D1 through the binding: GET /get reads one row of 1,000 by its primary
// key (seeded by /seed), GET /put inserts a small row.
const VALUE = "a small value of about forty bytes......";
let n = 0;

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (pathname === "/seed") {
      await env.DB.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, value TEXT NOT NULL);\nCREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, value TEXT NOT NULL);");
      const insert = env.DB.prepare("INSERT OR REPLACE INTO items (id, value) VALUES (?, ?)");
      const batch = [];
      for (let i = 1; i <= 1000; i++) batch.push(insert.bind(i, VALUE));
      await env.DB.batch(batch);
      return new Response("seeded");
    }
    if (pathname === "/get") {
      const id = (n++ % 1000) + 1;
      const row = await env.DB.prepare("SELECT value FROM items WHERE id = ?").bind(id).first();
      if (row === null) return new Response("missing row " + id, { status: 500 });
      return new Response(row.value);
    }
    if (pathname === "/put") {
      await env.DB.prepare("INSERT INTO log (value) VALUES (?)").bind(VALUE).run();
      return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  },
};

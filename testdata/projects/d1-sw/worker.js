// Service-worker syntax: the D1 binding is a global.
addEventListener("fetch", (event) => {
  event.respondWith(
    (async () => {
      await DB.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER)");
      await DB.prepare("INSERT INTO hits VALUES (1)").run();
      const n = await DB.prepare("SELECT count(*) AS n FROM hits").first("n");
      return new Response(`hits: ${n}`);
    })(),
  );
});

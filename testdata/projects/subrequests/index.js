// Makes ?n= subrequests to ?url=, one after another, each after an await,
// and reports how many succeeded before the limit stopped it.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const target = url.searchParams.get("url");
    const n = Number(url.searchParams.get("n"));
    let ok = 0;
    try {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setTimeout(r, 5));
        await (await fetch(target)).text();
        ok++;
      }
    } catch (e) {
      return Response.json({ ok, error: `${e.name}: ${e.message}` });
    }
    return Response.json({ ok });
  },
};

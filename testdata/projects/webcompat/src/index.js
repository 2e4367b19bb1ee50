// Web-platform details a worker can see, one route each (e2e/webcompat_test.go).
const topThis = this; // module code: undefined

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/preflight":
        // What Apollo Server answers to every CORS preflight.
        return new Response("", {
          status: 204,
          headers: { "access-control-allow-origin": "*", "access-control-allow-methods": "POST" },
        });
      case "/names":
        return Response.json([Request.name, Response.name, Headers.name, AbortSignal.name, TextDecoder.name]);
      case "/node-env":
        return new Response(process.env.NODE_ENV);
      case "/decode": {
        const label = url.searchParams.get("label");
        const bytes = Uint8Array.from(atob(url.searchParams.get("b64")), (c) => c.charCodeAt(0));
        try {
          return new Response(new TextDecoder(label, { fatal: true }).decode(bytes));
        } catch (e) {
          return new Response(`${e.name}: ${e.message}`, { status: 400 });
        }
      }
      case "/pattern": {
        const p = new URLPattern({ pathname: "/books/:id(\\d+)" });
        const m = p.exec(url.searchParams.get("u"));
        return Response.json({ pathname: p.pathname, username: p.username, groups: m?.pathname.groups ?? null });
      }
      case "/strict": {
        // Module code is strict: no implicit globals, no global `this`.
        let assigned;
        try {
          undeclaredGlobal = 1;
          assigned = "assigned";
        } catch (e) {
          assigned = e.name;
        }
        return Response.json({ assigned, topThis: typeof topThis, fnThis: (function () { return typeof this; })() });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};

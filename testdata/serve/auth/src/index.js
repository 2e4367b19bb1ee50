export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/throw") throw new Error("auth is broken");
    return Response.json(
      {
        user: url.searchParams.get("user"),
        caller: request.headers.get("x-caller"),
        body: await request.text(),
        method: request.method,
      },
      { headers: { "x-auth": "ok" } },
    );
  },
};

const http = __outpost_require("node:http", { server: true });
const https = __outpost_require("node:https");

test("a refused request emits an error", async () => {
  const req = http.request("http://127.0.0.1:1/x");
  const err = await new Promise((res) => { req.on("error", res); req.end(); });
  assert.equal(err.code, "ECONNREFUSED");
  assert.throws(() => http.request("ftp://example.com/"), { code: "ERR_INVALID_PROTOCOL" });
});

test("headers on outgoing messages", () => {
  const req = http.request({ host: "example.com", path: "/p", method: "post", headers: { "X-A": "1" } });
  assert.equal(req.method, "POST");
  assert.equal(req.getHeader("x-a"), "1");
  req.setHeader("Set-Cookie", ["a", "b"]);
  assert.deepEqual(req.getHeaderNames(), ["x-a", "set-cookie"]);
  assert.equal(req.hasHeader("SET-COOKIE"), true);
  req.removeHeader("x-a");
  assert.deepEqual({ ...req.getHeaders() }, { "set-cookie": ["a", "b"] });
  assert.throws(() => req.setHeader("bad name", "x"), { code: "ERR_INVALID_HTTP_TOKEN" });
  assert.throws(() => req.setHeader("x", "a\nb"), { code: "ERR_INVALID_CHAR" });
  req.destroy();
  assert.equal(http.STATUS_CODES[404], "Not Found");
  assert.ok(http.METHODS.includes("PATCH"));
  assert.equal(typeof https.request, "function");
});

test("a server answers a Request through cloudflare:node", async () => {
  const cfNode = __outpost_require("cloudflare:node", { server: true });
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.writeHead(202, { "content-type": "text/plain" });
      res.end(`${req.method} ${req.url} ${req.headers["x-a"]} ${body}`);
    });
  });
  const handler = cfNode.httpServerHandler(server);
  assert.equal(typeof server.address().port, "number");
  const resp = await handler.fetch(new Request("http://example.com/p?q=1", { method: "POST", body: "hi", headers: { "X-A": "b" } }));
  assert.equal(resp.status, 202);
  assert.equal(await resp.text(), "POST /p?q=1 b hi");
  assert.throws(() => server.listen(1), { code: "ERR_SERVER_ALREADY_LISTEN" });
  await new Promise((r) => server.close(r));
  await assert.rejects(handler.fetch(new Request("http://example.com/")), { code: "ERR_INVALID_ARG_VALUE" });
});

test("a client that goes away closes the response", async () => {
  const cfNode = __outpost_require("cloudflare:node", { server: true });
  let closed, sawClose = new Promise((r) => (closed = r));
  let writes = 0;
  const server = http.createServer((req, res) => {
    res.on("close", () => closed(res.destroyed));
    res.writeHead(200);
    const more = () => {
      while (res.write(Buffer.alloc(1024, 120))) writes++;
      if (!res.destroyed) res.once("drain", more);
    };
    more();
  });
  const resp = await cfNode.httpServerHandler(server).fetch(new Request("http://example.com/"));
  const reader = resp.body.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(await sawClose, true);
  server.close();
});

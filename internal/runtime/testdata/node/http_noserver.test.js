// node:http loaded without enable_nodejs_http_server_modules.
const http = __outpost_require("node:http", { server: false });

test("createServer needs enable_nodejs_http_server_modules", () => {
  assert.throws(() => http.createServer(() => {}), { code: "ERR_METHOD_NOT_IMPLEMENTED", message: /enable_nodejs_http_server_modules/ });
  assert.throws(() => new http.ServerResponse({}), { code: "ERR_METHOD_NOT_IMPLEMENTED" });
  assert.equal(typeof http.request, "function");
});

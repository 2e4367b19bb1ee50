// simple-get, unchanged, over node:http and node:https: requests to an
// origin, JSON posts, redirects it follows itself, streamed bodies.
import get from "simple-get";
import http from "node:http";

function concat(opts) {
  return new Promise((resolve, reject) => {
    get.concat(opts, (err, res, data) => (err ? reject(err) : resolve({ res, data })));
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      switch (url.pathname) {
        case "/get": {
          const { res, data } = await concat(`${env.ORIGIN}/hello?from=simple-get`);
          return Response.json({ status: res.statusCode, type: res.headers["content-type"], multi: res.headers["x-multi"], body: data.toString() });
        }
        case "/post": {
          const { res, data } = await concat({ url: `${env.ORIGIN}/echo`, method: "POST", body: { n: 42, s: "é" }, json: true });
          return Response.json({ status: res.statusCode, body: data });
        }
        case "/redirect": {
          const { res, data } = await concat(`${env.ORIGIN}/redirect`);
          return Response.json({ status: res.statusCode, body: data.toString() });
        }
        case "/stream": {
          // The response of http.get, a Node stream, piped out as it arrives.
          const res = await new Promise((resolve, reject) => http.get(`${env.ORIGIN}/slow`, resolve).on("error", reject));
          const { readable, writable } = new TransformStream();
          const writer = writable.getWriter();
          res.on("data", (c) => writer.write(c));
          res.on("end", () => writer.close());
          return new Response(readable);
        }
        case "/refused": {
          try {
            await concat("http://127.0.0.1:1/");
            return new Response("no error");
          } catch (err) {
            return new Response(`${err.code}`);
          }
        }
      }
    } catch (err) {
      return new Response(`${err.name}: ${err.message}`, { status: 500 });
    }
    return new Response("not found", { status: 404 });
  },
};

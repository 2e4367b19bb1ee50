// A Node.js HTTP server, as written for Node, served by the worker through
// cloudflare:node's httpServerHandler.
import { createServer } from "node:http";
import { httpServerHandler } from "cloudflare:node";
import { pipeline } from "node:stream/promises";
import { createGzip, createBrotliCompress } from "node:zlib";
import { Readable } from "node:stream";

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  switch (url.pathname) {
    case "/":
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "X-Powered-By": "node:http" });
      res.end(`Hello from ${req.method} ${req.url}`);
      return;
    case "/echo": {
      // The request body is a Node stream.
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = Buffer.concat(chunks).toString();
      res.setHeader("Content-Type", "application/json");
      res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; Path=/"]);
      res.statusCode = 201;
      res.end(JSON.stringify({
        method: req.method,
        body,
        length: req.headers["content-length"],
        type: req.headers["content-type"],
        cookies: req.headers.cookie,
        multi: req.headers["x-multi"],
        env: typeof req.cloudflare?.env,
      }));
      return;
    }
    case "/stream": {
      // Chunks written over time arrive as they are written.
      res.writeHead(200, { "Content-Type": "text/plain" });
      for (let i = 0; i < 3; i++) {
        res.write(`chunk ${i}\n`);
        await new Promise((r) => setTimeout(r, 150));
      }
      res.end("done\n");
      return;
    }
    case "/gzip": {
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Encoding": "gzip" });
      await pipeline(Readable.from(Array.from({ length: 100 }, (_, i) => `line ${i}\n`)), createGzip(), res);
      return;
    }
    case "/br": {
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Encoding": "br" });
      await pipeline(Readable.from(Array.from({ length: 100 }, (_, i) => `line ${i}\n`)), createBrotliCompress(), res);
      return;
    }
    case "/headers-sent": {
      res.end("x");
      try {
        res.setHeader("X-Late", "1");
      } catch (err) {
        console.log("late header:", err.code);
      }
      return;
    }
    case "/error":
      throw new Error("handler failed");
  }
  res.statusCode = 404;
  res.end("not found");
});

server.listen(8080);

export default httpServerHandler({ port: 8080 });

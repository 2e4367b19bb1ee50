// Node.js streams, zlib and os from npm packages, in a worker with
// nodejs_compat: split2 (a Transform with a StringDecoder), node-gzip
// (zlib.gzip/gunzip), json2csv's Node build (a Transform over jsonparse,
// rows ended with os.EOL), @fast-csv/format (a Transform, and node:fs
// streams into /tmp) and a zlib gzip stream between web streams.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import os from "node:os";
import split2 from "split2";
import { gzip, ungzip } from "node-gzip";
import { Parser, Transform as CsvTransform } from "json2csv/lib/json2csv.js";
import { format, writeToPath } from "@fast-csv/format";
import fs from "node:fs";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/ndjson": {
        // The request body (NDJSON), split into lines by split2 and parsed.
        const rows = [];
        await pipeline(
          Readable.fromWeb(request.body),
          split2(JSON.parse),
          async function (source) {
            for await (const row of source) rows.push(row);
          },
        );
        return Response.json({ count: rows.length, total: rows.reduce((n, r) => n + r.n, 0), last: rows.at(-1) });
      }
      case "/gzip": {
        const body = await gzip(await request.text(), { level: 9 });
        return new Response(body, { headers: { "content-type": "application/gzip" } });
      }
      case "/gunzip": {
        try {
          const text = await ungzip(new Uint8Array(await request.arrayBuffer()));
          return new Response(text.toString("utf8"));
        } catch (err) {
          return new Response(`bad gzip: ${err.message}`, { status: 400 });
        }
      }
      case "/gzip-stream": {
        // Request body → zlib gzip stream → response body, streamed.
        const gz = zlib.createGzip();
        Readable.fromWeb(request.body).pipe(gz);
        return new Response(Readable.toWeb(gz), { headers: { "content-type": "application/gzip" } });
      }
      case "/csv": {
        const rows = await request.json();
        const csv = new Parser({ fields: ["id", "name", "tags"] }).parse(rows);
        return new Response(csv, { headers: { "content-type": "text/csv" } });
      }
      case "/csv-stream": {
        // A JSON array streamed in, CSV streamed out (json2csv's Transform).
        const csv = new CsvTransform({ fields: ["id", "name"] }, { encoding: "utf8" });
        Readable.fromWeb(request.body).pipe(csv);
        return new Response(Readable.toWeb(csv), { headers: { "content-type": "text/csv" } });
      }
      case "/fast-csv": {
        // @fast-csv/format's CsvFormatterStream (a Transform) to the response.
        const rows = await request.json();
        const csv = format({ headers: true });
        rows.forEach((r) => csv.write(r));
        csv.end();
        return new Response(Readable.toWeb(csv), { headers: { "content-type": "text/csv" } });
      }
      case "/fast-csv-file": {
        // writeToPath() writes into this request's /tmp through node:fs.
        const rows = await request.json();
        await new Promise((resolve, reject) =>
          writeToPath("/tmp/out.csv", rows, { headers: true }).on("error", reject).on("finish", resolve));
        return new Response(fs.readFileSync("/tmp/out.csv", "utf8") + "|" + fs.readdirSync("/tmp").join(","));
      }
      case "/tmp-leftover":
        // Another request's /tmp is not visible.
        return Response.json({ exists: fs.existsSync("/tmp/out.csv"), tmp: fs.readdirSync("/tmp") });
      case "/os":
        return Response.json({ eol: os.EOL, platform: os.platform(), tmpdir: os.tmpdir(), cpus: os.cpus().length });
    }
    return new Response("not found", { status: 404 });
  },
};

// Exercises every R2 binding method over HTTP for the end-to-end tests.
const json = (v, status = 200) => Response.json(v, { status });

function objectJSON(o) {
  if (o === null) return null;
  return JSON.parse(JSON.stringify(o));
}

function conditionalFromQuery(q) {
  const c = {};
  if (q.has("etagMatches")) c.etagMatches = q.get("etagMatches");
  if (q.has("etagDoesNotMatch")) c.etagDoesNotMatch = q.get("etagDoesNotMatch");
  if (q.has("uploadedBefore")) c.uploadedBefore = new Date(q.get("uploadedBefore"));
  if (q.has("uploadedAfter")) c.uploadedAfter = new Date(q.get("uploadedAfter"));
  return Object.keys(c).length ? c : undefined;
}

async function errorCase(env, name) {
  const B = env.BUCKET;
  switch (name) {
    case "long-key": return B.put("k".repeat(1025), "v");
    case "metadata": return B.put("m", "v", { customMetadata: { big: "x".repeat(2048) } });
    case "bad-sha256": return B.put("s", "v", { sha256: "0".repeat(64) });
    case "two-hashes": return B.put("s", "v", { md5: "0".repeat(32), sha1: "0".repeat(40) });
    case "md5-length": return B.put("s", "v", { md5: "abc" });
    case "quoted-etag": return B.get("s", { onlyIf: { etagMatches: '"abc"' } });
    case "range-offset": return B.get("s", { range: { offset: -1 } });
    case "range-suffix": return B.get("s", { range: { suffix: 2, offset: 1 } });
    case "unsatisfiable": await B.put("s", "v"); return B.get("s", { range: { offset: 10 } });
    case "limit": return B.list({ limit: 1001 });
    case "include": return B.list({ include: ["nope"] });
    case "storage-class": return B.put("s", "v", { storageClass: "Glacier" });
    case "no-length": return B.put("s", new ReadableStream({ start(c) { c.enqueue(new Uint8Array(1)); c.close(); } }));
    case "fixed-short": {
      const { readable, writable } = new FixedLengthStream(10);
      const w = writable.getWriter();
      w.write(new Uint8Array(4));
      w.close().catch(() => {});
      return B.put("short", readable);
    }
    case "write-metadata": {
      await B.put("wm", "v");
      const listed = await B.list({ prefix: "wm" });
      return listed.objects[0].writeHttpMetadata(new Headers());
    }
    case "no-upload": return B.resumeMultipartUpload("k", "nope").uploadPart(1, "x");
    case "small-parts": {
      const u = await B.createMultipartUpload("small");
      const p1 = await u.uploadPart(1, "aaaa");
      const p2 = await u.uploadPart(2, "bbbb");
      return u.complete([p1, p2]);
    }
    case "delete-many": return B.delete(Array.from({ length: 1001 }, (_, i) => `k${i}`));
  }
  throw new Error("unknown case " + name);
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (e) {
      // The same answer under dev and serve (which hides uncaught errors).
      return new Response(`${e.name}: ${e.message}`, { status: 500 });
    }
  },
};

async function route(request, env) {
  {
    const url = new URL(request.url);
    const q = url.searchParams;
    const [, route, ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const B = q.get("bucket") === "other" ? env.OTHER : env.BUCKET;

    if (route === "obj" && request.method === "PUT") {
      const options = { httpMetadata: request.headers, onlyIf: request.headers };
      if (q.has("meta")) options.customMetadata = JSON.parse(q.get("meta"));
      for (const h of ["md5", "sha1", "sha256", "sha384", "sha512"]) if (q.has(h)) options[h] = q.get(h);
      if (q.has("storageClass")) options.storageClass = q.get("storageClass");
      let value = request.body;
      switch (q.get("as")) {
        case "text": value = await request.text(); break;
        case "arrayBuffer": value = await request.arrayBuffer(); break;
        case "view": value = new Uint8Array(await request.arrayBuffer()).subarray(1); break;
        case "blob": value = await request.blob(); break;
        case "null": value = null; break;
        case "fixed": {
          const body = await request.arrayBuffer();
          const { readable, writable } = new FixedLengthStream(body.byteLength);
          const w = writable.getWriter();
          w.write(new Uint8Array(body)).then(() => w.close());
          value = readable;
          break;
        }
      }
      const o = await B.put(key, value, options);
      return o === null ? json({ failed: true }, 412) : json(objectJSON(o), 201);
    }
    if (route === "obj" && (request.method === "GET" || request.method === "HEAD")) {
      const o = await B.get(key, { range: request.headers, onlyIf: request.headers });
      if (o === null) return new Response("not found", { status: 404 });
      const headers = new Headers();
      o.writeHttpMetadata(headers);
      headers.set("etag", o.httpEtag);
      headers.set("x-version", o.version);
      if (!("body" in o)) return new Response(null, { status: request.headers.has("if-none-match") ? 304 : 412, headers });
      if (o.range) {
        headers.set("content-range", `bytes ${o.range.offset}-${o.range.offset + o.range.length - 1}/${o.size}`);
        return new Response(o.body, { status: 206, headers });
      }
      return new Response(o.body, { headers });
    }
    if (route === "obj" && request.method === "DELETE") {
      await B.delete(key);
      return new Response(null, { status: 204 });
    }
    if (route === "read") {
      // The body readers and the range object form.
      const range = {};
      for (const f of ["offset", "length", "suffix"]) if (q.has(f)) range[f] = Number(q.get(f));
      const o = await B.get(key, { range: Object.keys(range).length ? range : undefined, onlyIf: conditionalFromQuery(q) });
      if (o === null) return json(null, 404);
      const out = { object: objectJSON(o), hasBody: "body" in o };
      if (out.hasBody) {
        switch (q.get("as") ?? "text") {
          case "text": out.text = await o.text(); break;
          case "json": out.json = await o.json(); break;
          case "arrayBuffer": out.bytes = (await o.arrayBuffer()).byteLength; break;
          case "bytes": out.bytes = (await o.bytes()).byteLength; break;
          case "blob": { const b = await o.blob(); out.blobType = b.type; out.text = await b.text(); break; }
          case "twice": {
            await o.text();
            out.bodyUsed = o.bodyUsed;
            try { await o.text(); } catch (e) { out.error = `${e.name}: ${e.message}`; }
            break;
          }
        }
      }
      return json(out);
    }
    if (route === "head") {
      const o = await B.head(key);
      return o === null ? json(null, 404) : json(objectJSON(o));
    }
    if (route === "delete" && request.method === "POST") {
      await B.delete(await request.json());
      return new Response(null, { status: 204 });
    }
    if (route === "list") {
      const opts = {};
      for (const f of ["prefix", "delimiter", "cursor", "startAfter"]) if (q.has(f)) opts[f] = q.get(f);
      if (q.has("limit")) opts.limit = Number(q.get("limit"));
      if (q.has("include")) opts.include = q.get("include").split(",");
      const r = await B.list(opts);
      return json({ ...r, objects: r.objects.map(objectJSON) });
    }
    if (route === "mpu-create") {
      const u = await B.createMultipartUpload(key, { httpMetadata: { contentType: q.get("type") ?? undefined }, customMetadata: { via: "multipart" } });
      return json({ key: u.key, uploadId: u.uploadId });
    }
    if (route === "mpu-part") {
      const u = B.resumeMultipartUpload(key, q.get("uploadId"));
      return json(await u.uploadPart(Number(q.get("part")), request.body));
    }
    if (route === "mpu-complete") {
      const u = B.resumeMultipartUpload(key, q.get("uploadId"));
      return json(objectJSON(await u.complete(await request.json())));
    }
    if (route === "mpu-abort") {
      await B.resumeMultipartUpload(key, q.get("uploadId")).abort();
      return new Response(null, { status: 204 });
    }
    if (route === "copy") {
      // An R2ObjectBody's stream put into another bucket.
      const src = await env.BUCKET.get(key);
      if (src === null) return json(null, 404);
      const o = await env.OTHER.put(key, src.body, { httpMetadata: src.httpMetadata, customMetadata: src.customMetadata });
      return json(objectJSON(o));
    }
    if (route === "error") {
      try {
        const r = await errorCase(env, q.get("case"));
        return json({ ok: true, result: r ?? null });
      } catch (e) {
        return json({ name: e.name, message: e.message, code: e.code, action: e.action, isError: e instanceof Error }, 400);
      }
    }
    return new Response("no route", { status: 404 });
  }
}

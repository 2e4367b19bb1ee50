// A hostile worker: each path is one way a few lines of code tried to hurt
// the node or the workers beside it (issue 19). The tests in
// e2e/serve_attack_test.go check that each one only hurts itself.

let ticks = 0; // interval callbacks run, over the instance's life
let invocations = 0; // fetch handler calls, over the instance's life

export default {
  async fetch(request, env) {
    invocations++;
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "2");
    switch (url.pathname) {
      case "/ticks":
        return new Response(String(ticks));
      case "/invocations":
        return new Response(String(invocations));

      // Timer storm: zero-delay intervals left behind by a request that
      // has already answered.
      case "/timer-storm":
        for (let i = 0; i < n; i++) setInterval(() => { ticks++; }, 0);
        return new Response("armed " + n);

      // Timer storm inside a request that stays open.
      case "/timer-storm-wait":
        for (let i = 0; i < n; i++) setInterval(() => { ticks++; }, 0);
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? "500")));
        return new Response("ticks " + ticks);

      // More timers than one invocation may have.
      case "/timer-count":
        try {
          for (let i = 0; i < 20000; i++) setTimeout(() => {}, 60000);
          return new Response("all armed");
        } catch (e) {
          return new Response(e.name + ": " + e.message, { status: 429 });
        }

      // Memory inside one request: grows until something stops it.
      case "/alloc": {
        const keep = [];
        for (;;) keep.push(new Array(1 << 16).fill(keep.length));
      }

      // Fan-out: every level calls itself twice through a service binding.
      case "/fanout": {
        const level = Number(url.searchParams.get("level") ?? "20");
        if (level === 0) return new Response("leaf");
        const call = () => env.SELF.fetch("https://attacker.test/fanout?level=" + (level - 1)).then((r) => r.text());
        const [a, b] = await Promise.all([call(), call()]);
        return new Response(a.length + b.length > 0 ? "ok" : "empty");
      }

      // A handler whose promise never settles, with nothing left to wait on.
      case "/hang":
        return new Promise(() => {});

      // WebAssembly compiled at run time (the smallest module).
      case "/wasm": {
        const { instance } = await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
        return new Response("instantiated " + typeof instance.exports);
      }

      // A body that never produces its next chunk.
      case "/hang-body":
        return new Response(new ReadableStream({
          start(c) { c.enqueue(new TextEncoder().encode("first chunk\n")); },
          pull() { return new Promise(() => {}); },
        }));

      // Waits a long time on a timer: not hung, ended by the client leaving.
      case "/forever":
        await new Promise((r) => setTimeout(r, 3600_000));
        return new Response("woke up");

      // CPU in slices separated by awaits: each entry is short, the
      // invocation is not.
      case "/cpu-slices": {
        for (let i = 0; i < 200; i++) {
          const until = Date.now() + 50;
          while (Date.now() < until) {}
          await new Promise((r) => setTimeout(r, 0));
        }
        return new Response("ran 10 s of CPU");
      }

      // CPU spent in Go on the worker's behalf: RSA key generation.
      case "/rsa": {
        let made = 0;
        try {
          for (let i = 0; i < 200; i++) {
            await crypto.subtle.generateKey(
              { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
              false, ["sign"]);
            made++;
          }
        } catch (e) {
          return new Response(`stopped after ${made} keys: ${e.message}`, { status: 500 });
        }
        return new Response(`made ${made} keys`);
      }

      // A WebSocket client that never reads: the worker sends 1 GiB.
      case "/ws-flood": {
        const [client, server] = Object.values(new WebSocketPair());
        server.accept();
        server.addEventListener("message", () => {
          const chunk = new Uint8Array(1 << 20);
          let sent = 0;
          try {
            for (let i = 0; i < 1024; i++) { server.send(chunk); sent++; }
            console.log(`flood sent all ${sent} MiB`);
          } catch (e) {
            console.log(`flood stopped after ${sent} MiB: ${e.message}`);
          }
        });
        return new Response(null, { status: 101, webSocket: client });
      }

      // Cache poisoning: an entry planted for a URL another worker serves.
      case "/plant":
        await caches.default.put(new Request(url.searchParams.get("url")),
          new Response("planted", { headers: { "Cache-Control": "max-age=600" } }));
        return new Response("planted");
      case "/lookup": {
        const hit = await caches.default.match(new Request(url.searchParams.get("url")));
        return new Response(hit ? "hit: " + (await hit.text()) : "miss");
      }

      // A subrequest to wherever the attacker likes.
      case "/fetch":
        try {
          const res = await fetch(url.searchParams.get("target"));
          return new Response("fetched " + res.status);
        } catch (e) {
          return new Response("fetch failed: " + e.message, { status: 502 });
        }

      // What the worker is told about its client.
      case "/ip":
        return new Response(request.headers.get("CF-Connecting-IP") ?? "");

      // Reads its whole body.
      case "/size":
        return new Response(String((await request.arrayBuffer()).byteLength));

      // Reads its body, then takes its time to answer (a legitimate slow handler).
      case "/size-then-wait": {
        const size = (await request.arrayBuffer()).byteLength;
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? "2500")));
        return new Response(String(size));
      }
    }
    return new Response("attacker here");
  },
};

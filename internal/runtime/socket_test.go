package runtime

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const socketScript = `var __outpost_entry = { default: {
	async fetch(req) {
		const { connect } = globalThis.__outpost_sockets;
		const u = new URL(req.url);
		const addr = u.searchParams.get("addr");
		const enc = new TextEncoder(), dec = new TextDecoder();
		async function readAll(readable) {
			let s = "";
			for await (const c of readable) s += dec.decode(c, { stream: true });
			return s;
		}
		try {
			switch (u.pathname) {
			case "/echo": {
				const s = connect(addr, { allowHalfOpen: true });
				const info = await s.opened;
				const w = s.writable.getWriter();
				await w.write(enc.encode("hello "));
				await w.write(enc.encode("sockets"));
				await w.close();
				const text = await readAll(s.readable);
				await s.closed;
				return new Response(text + "|" + (info.remoteAddress === addr));
			}
			case "/tls": {
				const s = connect(addr, { secureTransport: "on" });
				const w = s.writable.getWriter();
				await w.write(enc.encode("GET /hi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
				w.releaseLock();
				const text = await readAll(s.readable);
				return new Response(text.split("\r\n\r\n")[1]);
			}
			case "/starttls": {
				const plain = connect(addr, { secureTransport: "starttls" });
				const pw = plain.writable.getWriter();
				await pw.write(enc.encode("STARTTLS\n"));
				pw.releaseLock();
				const reader = plain.readable.getReader();
				const { value } = await reader.read();
				reader.releaseLock();
				if (dec.decode(value) !== "OK\n") throw new Error("no OK: " + dec.decode(value));
				const secure = plain.startTls();
				let again = "";
				try { plain.startTls(); } catch (e) { again = e.message; }
				const w = secure.writable.getWriter();
				await w.write(enc.encode("over tls"));
				await w.close();
				const text = await readAll(secure.readable);
				await plain.closed;
				return new Response(text + "|" + secure.secureTransport + "|" + (again !== ""));
			}
			case "/notstarttls": {
				const s = connect(addr);
				try { s.startTls(); return new Response("no error"); } catch (e) { s.close(); return new Response(e.constructor.name + ": " + e.message); }
			}
			case "/refused": {
				const s = connect(addr);
				const [o, c] = await Promise.allSettled([s.opened, s.closed]);
				return new Response(o.status + " " + c.status + " " + o.reason.message);
			}
			case "/many": {
				const out = [];
				for (let i = 0; i < 3; i++) {
					try { const s = connect(addr); await s.opened; s.close(); out.push("ok"); } catch (e) { out.push(e.message); }
				}
				return new Response(out.join(","));
			}
			case "/leave-open": {
				const s = connect(addr);
				const w = s.writable.getWriter();
				await w.write(enc.encode("left open\n"));
				globalThis.leftOpen = s;
				return new Response("sent");
			}
			case "/close": {
				const s = connect(addr);
				await s.opened;
				await s.close();
				const w = s.writable.getWriter();
				const r = await w.write(enc.encode("x")).then(() => "written", (e) => e.message);
				return new Response(r);
			}
			}
		} catch (e) {
			return new Response(e.name + ": " + e.message, { status: 500 });
		}
		return new Response("nf", { status: 404 });
	},
} };`

func newSocketWorker(t *testing.T, denyPrivate bool, subrequests int) *Worker {
	t.Helper()
	w, err := NewWorker(&Config{
		Name:            "sockets",
		Script:          Script{Code: socketScript, URL: "worker.js", Modules: true},
		SubrequestLimit: subrequests,
		Host: &Host{
			Console: func(worker, level, text string) { t.Logf("console.%s: %s", level, text) },
			Fetch:   &Fetcher{DenyPrivate: denyPrivate},
		},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(5 * time.Second) })
	return w
}

// serve accepts connections on a loopback port and runs handle on each.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); handle(c) }()
		}
	}()
	return ln.Addr().String()
}

func sockGet(t *testing.T, w *Worker, path string) string {
	t.Helper()
	_, body, err := fetchText(t, w, "GET", path, "")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestSocketsPlainAndHalfOpen(t *testing.T) {
	echo := serve(t, func(c net.Conn) {
		b, _ := io.ReadAll(c) // until the worker closes its writable side
		c.Write([]byte(strings.ToUpper(string(b))))
	})
	w := newSocketWorker(t, false, 0)
	if got := sockGet(t, w, "/echo?addr="+echo); got != "HELLO SOCKETS|true" {
		t.Errorf("/echo = %q", got)
	}
	if got := sockGet(t, w, "/close?addr="+echo); got != "Socket is closed." {
		t.Errorf("write after close() = %q", got)
	}
	if got := sockGet(t, w, "/notstarttls?addr="+echo); !strings.HasPrefix(got, "TypeError: ") || !strings.Contains(got, "starttls") {
		t.Errorf("startTls on a plain socket = %q", got)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := ln.Addr().String()
	ln.Close()
	if got := sockGet(t, w, "/refused?addr="+closedAddr); !strings.HasPrefix(got, "rejected rejected ") || !strings.Contains(got, "refused") {
		t.Errorf("connect to a closed port = %q", got)
	}
}

func TestSocketsTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi over " + r.URL.Path)) }))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	SocketTLSConfig = &tls.Config{RootCAs: roots}
	defer func() { SocketTLSConfig = nil }()
	u, _ := url.Parse(srv.URL)

	starttls := serve(t, func(c net.Conn) {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "STARTTLS\n" {
			return
		}
		c.Write([]byte("OK\n"))
		tc := tls.Server(c, srv.TLS)
		b, _ := io.ReadAll(tc)
		tc.Write([]byte("tls echo: " + string(b)))
		tc.Close()
	})
	w := newSocketWorker(t, false, 0)
	if got := sockGet(t, w, "/tls?addr="+u.Host); got != "hi over /hi" {
		t.Errorf("/tls = %q", got)
	}
	if got := sockGet(t, w, "/starttls?addr="+starttls); got != "tls echo: over tls|on|true" {
		t.Errorf("/starttls = %q", got)
	}
	// A certificate the socket does not trust fails the connection.
	SocketTLSConfig = nil
	if got := sockGet(t, w, "/tls?addr="+u.Host); !strings.Contains(got, "certificate") {
		t.Errorf("/tls with an untrusted certificate = %q", got)
	}
}

func TestSocketsPrivateAndLimit(t *testing.T) {
	echo := serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	denied := newSocketWorker(t, true, 0)
	if got := sockGet(t, denied, "/refused?addr="+echo); !strings.Contains(got, "private addresses are denied") {
		t.Errorf("connect to loopback with deny_private_subrequests = %q", got)
	}
	limited := newSocketWorker(t, false, 2)
	if got := sockGet(t, limited, "/many?addr="+echo); got != "ok,ok,Too many subrequests." {
		t.Errorf("three connects with a limit of two = %q", got)
	}
}

// A socket the worker leaves open is closed once its request has ended,
// as in workerd.
func TestSocketsClosedWithTheirInvocation(t *testing.T) {
	closed := make(chan string, 1)
	addr := serve(t, func(c net.Conn) {
		b, _ := io.ReadAll(c) // returns when the worker's side closes
		closed <- string(b)
	})
	w := newSocketWorker(t, false, 0)
	if got := sockGet(t, w, "/leave-open?addr="+addr); got != "sent" {
		t.Fatalf("/leave-open = %q", got)
	}
	select {
	case got := <-closed:
		if got != "left open\n" {
			t.Errorf("the server read %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the socket is still open 5 s after its request ended")
	}
}

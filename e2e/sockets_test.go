package e2e

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// TestPackagePg runs node-postgres (pg), unchanged, against a real
// PostgreSQL server: pg finds the Workers runtime and talks to the server
// through cloudflare:sockets' connect().
func TestPackagePg(t *testing.T) {
	srv, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	dsn, err := srv.NewDatabase("pkg_pg")
	if err != nil {
		t.Fatal(err)
	}
	// A TLS front for the server that speaks PostgreSQL's SSLRequest, with a
	// certificate the outpost process trusts through SSL_CERT_FILE.
	tlsAddr, caFile := pgTLSFront(t, srv.Addr())
	tlsDSN := strings.Replace(strings.Replace(dsn, srv.Addr(), tlsAddr, 1), "sslmode=disable", "sslmode=require", 1)
	p := outposttest.DevEnv(t, []string{"CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE=" + dsn, "SSL_CERT_FILE=" + caFile},
		pkgProject(t, "pkg-pg", "pg", "pg-cloudflare"), "--var", "DATABASE_URL:"+dsn, "--var", "TLS_DATABASE_URL:"+tlsDSN)

	resp, body := p.Get("/version")
	var v struct {
		V   string
		Two int
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(v.V, "PostgreSQL ") || v.Two != 2 {
		t.Fatalf("GET /version = %d %s", resp.StatusCode, body)
	}
	if resp, body = p.Do("POST", "/setup", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("POST /setup = %d %s", resp.StatusCode, body)
	}
	for _, note := range []string{`{"body":"first note","tags":["a","b"]}`, `{"body":"second, with 'quotes' and é","tags":[]}`} {
		if resp, body = p.Do("POST", "/notes", strings.NewReader(note), nil); resp.StatusCode != 201 {
			t.Fatalf("POST /notes = %d %s", resp.StatusCode, body)
		}
	}
	if resp, body = p.Get("/notes?q=note"); body != `[{"id":1,"body":"first note","tags":["a","b"],"created":true}]` {
		t.Errorf("GET /notes?q=note = %d %s", resp.StatusCode, body)
	}
	if _, body = p.Get("/notes?q=quotes"); body != `[{"id":2,"body":"second, with 'quotes' and é","tags":[],"created":true}]` {
		t.Errorf("GET /notes?q=quotes = %s", body)
	}
	if _, body = p.Get("/tx"); !strings.Contains(body, `"code":"23502"`) || !strings.Contains(body, `"kept":0`) {
		t.Errorf("GET /tx = %s", body)
	}
	if _, body = p.Get("/big?n=20000"); body != `{"count":20000,"sum":200010000}` {
		t.Errorf("GET /big = %s", body)
	}
	if _, body = p.Get("/net"); body != `{"v":"pg over node:net","tcp":true}` {
		t.Errorf("GET /net = %s", body)
	}
	if _, body = p.Get("/hyperdrive"); body != `{"db":"pkg_pg","usr":"postgres","sameDb":true,"user":"postgres","port":"number"}` {
		t.Errorf("GET /hyperdrive = %s", body)
	}
	if _, body = p.Get("/tls"); body != `{"v":"over TLS"}` {
		t.Errorf("GET /tls = %s", body)
	}
	if _, body = p.Get("/pool"); body != `{"values":[0,10,20,30,40,50],"backends":3}` {
		t.Errorf("GET /pool = %s", body)
	}
}

// pgTLSFront listens for PostgreSQL clients that ask for TLS (SSLRequest),
// answers 'S', completes the handshake and relays the session to the plain
// server at backend. It returns its address and a PEM file of its
// certificate (valid for 127.0.0.1).
func pgTLSFront(t *testing.T, backend string) (string, string) {
	t.Helper()
	certSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	certSrv.StartTLS()
	t.Cleanup(certSrv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certSrv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: certSrv.TLS.Certificates}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var req [8]byte
				if _, err := io.ReadFull(c, req[:]); err != nil || binary.BigEndian.Uint32(req[4:]) != 80877103 {
					t.Logf("TLS front: not an SSLRequest: %v %x", err, req)
					return
				}
				c.Write([]byte("S"))
				tc := tls.Server(c, cfg)
				if err := tc.Handshake(); err != nil {
					t.Logf("TLS front: %v", err)
					return
				}
				b, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer b.Close()
				go io.Copy(b, tc)
				io.Copy(tc, b)
			}()
		}
	}()
	return ln.Addr().String(), caFile
}

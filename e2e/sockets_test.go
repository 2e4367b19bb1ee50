package e2e

import (
	"encoding/json"
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
	p := outposttest.Dev(t, pkgProject(t, "pkg-pg", "pg", "pg-cloudflare"), "--var", "DATABASE_URL:"+dsn)

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
	if _, body = p.Get("/pool"); body != `{"values":[0,10,20,30,40,50],"backends":3}` {
		t.Errorf("GET /pool = %s", body)
	}
}

package e2e

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestWebCompat drives Web API details through outpost dev: a 204 with an
// empty string body, built-in class names, NODE_ENV, legacy encodings,
// strict mode in a module worker and URLPattern's pattern strings.
func TestWebCompat(t *testing.T) {
	p := outposttest.DevEnv(t, []string{"NODE_ENV="}, project("webcompat"))

	resp, body := p.Do("OPTIONS", "/preflight", nil, nil)
	if resp.StatusCode != 204 || body != "" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight = %d %q %v", resp.StatusCode, body, resp.Header)
	}

	if _, body := p.Get("/names"); body != `["Request","Response","Headers","AbortSignal","TextDecoder"]` {
		t.Errorf("class names = %s", body)
	}

	if _, body := p.Get("/node-env"); body != "development" {
		t.Errorf("process.env.NODE_ENV under outpost dev = %q, want development", body)
	}

	for _, c := range []struct {
		label string
		bytes []byte
		want  string
		code  int
	}{
		{"shift_jis", []byte{0x93, 0xfa, 0x96, 0x7b}, "日本", 200},
		{"windows-1252", []byte{0x80, 0xe9}, "€é", 200},
		{"gbk", []byte{0xd6, 0xd0}, "中", 200},
		{"iso-2022-jp", []byte{0x1b, 0x24, 0x42, 0x46, 0x7c, 0x1b, 0x28, 0x42}, "日", 200},
		{"iso-8859-3", []byte{0xa5}, "TypeError: The encoded data was not valid for encoding iso-8859-3", 400},
		{"\u00a0latin1", []byte{0x41}, "RangeError: Failed to construct 'TextDecoder': The encoding label provided ('\u00a0latin1') is invalid.", 400},
	} {
		q := url.Values{"label": {c.label}, "b64": {base64.StdEncoding.EncodeToString(c.bytes)}}
		resp, body := p.Get("/decode?" + q.Encode())
		if resp.StatusCode != c.code || body != c.want {
			t.Errorf("decode %s = %d %q, want %d %q", c.label, resp.StatusCode, body, c.code, c.want)
		}
	}

	if _, body := p.Get("/strict"); body != `{"assigned":"ReferenceError","topThis":"undefined","fnThis":"undefined"}` {
		t.Errorf("module worker strictness = %s", body)
	}

	_, body = p.Get("/pattern?u=" + url.QueryEscape("https://example.com/books/42"))
	if body != `{"pathname":"/books/:id(\\d+)","username":"*","groups":{"id":"42"}}` {
		t.Errorf("URLPattern = %s", body)
	}
}

// TestNodeEnvFromShell: a NODE_ENV set in the shell wins under outpost dev.
func TestNodeEnvFromShell(t *testing.T) {
	p := outposttest.DevEnv(t, []string{"NODE_ENV=staging"}, project("webcompat"))
	if _, body := p.Get("/node-env"); body != "staging" {
		t.Errorf("process.env.NODE_ENV = %q, want the shell's staging", body)
	}
}

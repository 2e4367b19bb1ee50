package e2e

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// The jose project signs and encrypts with the jose npm package, which
// runs entirely on crypto.subtle. Each result is checked here with Go's own
// crypto, and Go-made tokens go the other way, so both sides must agree
// with the standards, not just with each other.

const joseSecret = "a-string-secret-at-least-256-bits-long"

var b64 = base64.RawURLEncoding

func joseProject(t *testing.T) *outposttest.Proc {
	t.Helper()
	dir := project("jose")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "jose", "package.json")); err != nil {
		t.Fatalf("jose is not installed in %s: run ./scripts/setup.sh", dir)
	}
	return outposttest.Dev(t, outposttest.CopyDir(t, dir))
}

type joseJWK struct {
	Kty, Crv, X, Y, N, E, D, P, Q, DP, DQ, QI string
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatalf("base64url %q: %v", s, err)
	}
	return b
}

func bigOf(t *testing.T, s string) *big.Int { return new(big.Int).SetBytes(unb64(t, s)) }

// verifyJWS checks a compact JWS's signature with Go's crypto.
func verifyJWS(t *testing.T, alg, token string, jwk *joseJWK) bool {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("%s token has %d parts", alg, len(parts))
	}
	input, sig := []byte(parts[0]+"."+parts[1]), unb64(t, parts[2])
	sum := sha256.Sum256(input)
	switch alg {
	case "HS256":
		m := hmac.New(sha256.New, []byte(joseSecret))
		m.Write(input)
		return hmac.Equal(m.Sum(nil), sig)
	case "RS256":
		pub := &rsa.PublicKey{N: bigOf(t, jwk.N), E: int(bigOf(t, jwk.E).Int64())}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
	case "ES256":
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: bigOf(t, jwk.X), Y: bigOf(t, jwk.Y)}
		return len(sig) == 64 && ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	case "EdDSA":
		return ed25519.Verify(ed25519.PublicKey(unb64(t, jwk.X)), input, sig)
	}
	t.Fatalf("no verifier for %s", alg)
	return false
}

// signJWS makes a compact JWS with Go's crypto and the public JWK for it.
func signJWS(t *testing.T, alg string, payload map[string]any) (string, map[string]string) {
	t.Helper()
	header, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	body, _ := json.Marshal(payload)
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var jwk map[string]string
	switch alg {
	case "HS256":
		m := hmac.New(sha256.New, []byte(joseSecret))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "RS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		if sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:]); err != nil {
			t.Fatal(err)
		}
		jwk = map[string]string{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	case "ES256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		point, _ := k.PublicKey.Bytes()
		jwk = map[string]string{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(point[1:33]), "y": b64.EncodeToString(point[33:])}
	case "EdDSA":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sig = ed25519.Sign(priv, []byte(input))
		jwk = map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(pub)}
	}
	return input + "." + b64.EncodeToString(sig), jwk
}

func TestJoseJWT(t *testing.T) {
	p := joseProject(t)
	for _, alg := range []string{"HS256", "RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			resp, body := p.Get("/jwt/" + alg)
			if resp.StatusCode != 200 {
				t.Fatalf("GET /jwt/%s = %d %s", alg, resp.StatusCode, body)
			}
			var out struct {
				Token     string
				Payload   map[string]any
				Header    map[string]any
				PublicJwk *joseJWK
				Spki      *string
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if out.Payload["sub"] != "user-1" || out.Payload["iss"] != "urn:outpost:test" || out.Header["alg"] != alg || out.Header["kid"] != "k1" {
				t.Errorf("jose's verified token = %+v %+v", out.Payload, out.Header)
			}
			if !verifyJWS(t, alg, out.Token, out.PublicJwk) {
				t.Errorf("Go rejects the %s signature made in the worker: %s", alg, out.Token)
			}
			if alg != "HS256" && (out.Spki == nil || !strings.HasPrefix(*out.Spki, "-----BEGIN PUBLIC KEY-----")) {
				t.Errorf("exportSPKI = %v", out.Spki)
			}

			// A token made by Go verifies in the worker; a forged one does not.
			token, jwk := signJWS(t, alg, map[string]any{"sub": "from-go", "n": 42})
			req, _ := json.Marshal(map[string]any{"token": token, "jwk": jwk})
			_, body = p.Do("POST", "/verify/"+alg, strings.NewReader(string(req)), nil)
			var v struct {
				Valid   bool
				Payload map[string]any
				Code    string
				Error   string
			}
			if err := json.Unmarshal([]byte(body), &v); err != nil || !v.Valid || v.Payload["sub"] != "from-go" {
				t.Errorf("worker verification of Go's %s token = %s (%v)", alg, body, err)
			}
			forged := token[:strings.LastIndex(token, ".")+1] + b64.EncodeToString(unb64(t, token[strings.LastIndex(token, ".")+1:])[1:])
			req, _ = json.Marshal(map[string]any{"token": forged, "jwk": jwk})
			_, body = p.Do("POST", "/verify/"+alg, strings.NewReader(string(req)), nil)
			if err := json.Unmarshal([]byte(body), &v); err != nil || v.Valid || v.Code != "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" {
				t.Errorf("worker verification of a forged %s token = %s", alg, body)
			}
		})
	}
}

// openGCM decrypts the AES-256-GCM part of a compact JWE.
func openGCM(t *testing.T, cek []byte, parts []string) []byte {
	t.Helper()
	block, err := aes.NewCipher(cek)
	if err != nil {
		t.Fatal(err)
	}
	gcm, _ := cipher.NewGCM(block)
	ct := append(unb64(t, parts[3]), unb64(t, parts[4])...)
	plain, err := gcm.Open(nil, unb64(t, parts[2]), ct, []byte(parts[0]))
	if err != nil {
		t.Fatalf("AES-GCM open: %v", err)
	}
	return plain
}

func TestJoseJWE(t *testing.T) {
	p := joseProject(t)
	const message = "attack at dawn ✓"

	t.Run("RSA-OAEP-256+A256GCM", func(t *testing.T) {
		resp, body := p.Do("POST", "/jwe", strings.NewReader(message), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("POST /jwe = %d %s", resp.StatusCode, body)
		}
		var out struct {
			JWE        string
			RoundTrip  string
			Header     map[string]any
			PrivateJwk joseJWK
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if out.RoundTrip != message || out.Header["alg"] != "RSA-OAEP-256" || out.Header["enc"] != "A256GCM" {
			t.Errorf("jose round trip = %q %v", out.RoundTrip, out.Header)
		}
		// Decrypt the worker's JWE with Go: unwrap the CEK, then AES-GCM.
		j := out.PrivateJwk
		priv := &rsa.PrivateKey{
			PublicKey: rsa.PublicKey{N: bigOf(t, j.N), E: int(bigOf(t, j.E).Int64())},
			D:         bigOf(t, j.D),
			Primes:    []*big.Int{bigOf(t, j.P), bigOf(t, j.Q)},
		}
		priv.Precompute()
		parts := strings.Split(out.JWE, ".")
		if len(parts) != 5 {
			t.Fatalf("JWE has %d parts", len(parts))
		}
		cek, err := rsa.DecryptOAEP(sha256.New(), nil, priv, unb64(t, parts[1]), nil)
		if err != nil {
			t.Fatalf("Go cannot unwrap the CEK: %v", err)
		}
		if got := string(openGCM(t, cek, parts)); got != message {
			t.Errorf("Go decrypted %q", got)
		}
	})

	t.Run("dir+A256GCM", func(t *testing.T) {
		key := make([]byte, 32)
		rand.Read(key)
		header := b64.EncodeToString([]byte(`{"alg":"dir","enc":"A256GCM"}`))
		iv := make([]byte, 12)
		rand.Read(iv)
		block, _ := aes.NewCipher(key)
		gcm, _ := cipher.NewGCM(block)
		sealed := gcm.Seal(nil, iv, []byte(message), []byte(header))
		ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
		jwe := strings.Join([]string{header, "", b64.EncodeToString(iv), b64.EncodeToString(ct), b64.EncodeToString(tag)}, ".")
		req, _ := json.Marshal(map[string]string{"jwe": jwe, "key": b64.EncodeToString(key)})
		resp, body := p.Do("POST", "/jwe-dir", strings.NewReader(string(req)), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("POST /jwe-dir = %d %s", resp.StatusCode, body)
		}
		var out struct {
			Plaintext string
			Reply     string
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if out.Plaintext != message {
			t.Errorf("worker decrypted %q", out.Plaintext)
		}
		if got := string(openGCM(t, key, strings.Split(out.Reply, "."))); got != "reply:"+message {
			t.Errorf("Go decrypted the worker's reply as %q", got)
		}
	})
}

package webcrypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func mustImport(t *testing.T, format, alg, curve string, data []byte) *Key {
	t.Helper()
	k, err := ImportKey(format, alg, curve, data)
	if err != nil {
		t.Fatalf("import %s %s: %v", format, alg, err)
	}
	return k
}

// errName is the DOMException name of err, or "" when it is not an *Error.
func errName(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Name
	}
	return ""
}

// RFC 4231 test case 2.
func TestHMACRFC4231(t *testing.T) {
	k := mustImport(t, "raw", "HMAC", "", []byte("Jefe"))
	p := &Params{Hash: "SHA-256"}
	data := []byte("what do ya want for nothing?")
	want := unhex(t, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
	got, err := Sign("HMAC", k, p, data)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("HMAC = %x, %v", got, err)
	}
	p.Signature = want
	if ok, err := Verify("HMAC", k, p, data); !ok || err != nil {
		t.Errorf("verify = %v, %v", ok, err)
	}
	p.Signature = append(bytes.Clone(want[:31]), want[31]^1)
	if ok, _ := Verify("HMAC", k, p, data); ok {
		t.Error("a changed signature verified")
	}
}

// RFC 5869 test case 1 and RFC 6070 (PBKDF2-HMAC-SHA1).
func TestDeriveBitsVectors(t *testing.T) {
	ikm := mustImport(t, "raw", "HKDF", "", unhex(t, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"))
	got, err := DeriveBits("HKDF", ikm, &Params{Hash: "SHA-256", Salt: unhex(t, "000102030405060708090a0b0c"),
		Info: unhex(t, "f0f1f2f3f4f5f6f7f8f9"), Length: 42 * 8, HasLength: true})
	if want := unhex(t, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"); err != nil || !bytes.Equal(got, want) {
		t.Errorf("HKDF = %x, %v", got, err)
	}
	pw := mustImport(t, "raw", "PBKDF2", "", []byte("password"))
	for iter, want := range map[int]string{1: "0c60c80f961f0e71f3a9b524af6012062fe037a6", 2: "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"} {
		got, err := DeriveBits("PBKDF2", pw, &Params{Hash: "SHA-1", Salt: []byte("salt"), Iterations: iter, Length: 160, HasLength: true})
		if err != nil || !bytes.Equal(got, unhex(t, want)) {
			t.Errorf("PBKDF2 c=%d = %x, %v", iter, got, err)
		}
	}
	if _, err := DeriveBits("PBKDF2", pw, &Params{Hash: "SHA-1", Iterations: maxPBKDF2Iterations + 1, Length: 160, HasLength: true}); errName(err) != "NotSupportedError" {
		t.Errorf("too many iterations: %v", err)
	}
	if _, err := DeriveBits("HKDF", ikm, &Params{Hash: "SHA-256", Length: 12, HasLength: true}); errName(err) != "OperationError" {
		t.Errorf("length not a multiple of 8: %v", err)
	}
	if _, err := DeriveBits("HKDF", ikm, &Params{Hash: "SHA-256"}); errName(err) != "OperationError" {
		t.Errorf("null length: %v", err)
	}
}

// NIST GCM test case 3 (gcm-spec), and a tampered ciphertext.
func TestAESGCMVector(t *testing.T) {
	k := mustImport(t, "raw", "AES-GCM", "", unhex(t, "feffe9928665731c6d6a8f9467308308"))
	p := &Params{IV: unhex(t, "cafebabefacedbaddecaf888")}
	plain := unhex(t, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
	want := unhex(t, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"+
		"4d5c2af327cd64a62cf35abd2ba6fab4")
	got, err := Encrypt("AES-GCM", k, p, plain)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encrypt = %x, %v", got, err)
	}
	back, err := Decrypt("AES-GCM", k, p, got)
	if err != nil || !bytes.Equal(back, plain) {
		t.Fatalf("decrypt = %x, %v", back, err)
	}
	got[0] ^= 1
	if _, err := Decrypt("AES-GCM", k, p, got); errName(err) != "OperationError" {
		t.Errorf("tampered ciphertext: %v", err)
	}
}

// AES-CBC pads with PKCS#7 and refuses bad padding.
func TestAESCBCPadding(t *testing.T) {
	k := mustImport(t, "raw", "AES-CBC", "", make([]byte, 32))
	p := &Params{IV: make([]byte, 16)}
	for _, n := range []int{0, 1, 15, 16, 17} {
		plain := bytes.Repeat([]byte{'x'}, n)
		ct, err := Encrypt("AES-CBC", k, p, plain)
		if err != nil || len(ct) != (n/16+1)*16 {
			t.Fatalf("encrypt %d bytes: %d bytes, %v", n, len(ct), err)
		}
		back, err := Decrypt("AES-CBC", k, p, ct)
		if err != nil || !bytes.Equal(back, plain) {
			t.Errorf("decrypt %d bytes = %q, %v", n, back, err)
		}
	}
	if _, err := Decrypt("AES-CBC", k, p, make([]byte, 15)); errName(err) != "OperationError" {
		t.Errorf("short ciphertext: %v", err)
	}
}

// RFC 8037 appendix A: the Ed25519 JWK and its signature of the JWS input.
func TestEd25519JWKRFC8037(t *testing.T) {
	priv := mustImport(t, "jwk", "Ed25519", "", []byte(`{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	if priv.Type() != "private" {
		t.Fatalf("type %q", priv.Type())
	}
	sig, err := Sign("Ed25519", priv, &Params{}, []byte("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"))
	if err != nil {
		t.Fatal(err)
	}
	if got := b64url.EncodeToString(sig); got != "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg" {
		t.Errorf("signature %s", got)
	}
	j, err := ExportJWK(priv)
	if err != nil || j.D != "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A" || j.X != "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" {
		t.Errorf("export = %+v, %v", j, err)
	}
	// d for another x is refused.
	_, err = ImportKey("jwk", "Ed25519", "", []byte(`{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	if errName(err) != "DataError" {
		t.Errorf("mismatched d and x: %v", err)
	}
}

// Generated keys survive JWK, pkcs8 and spki round trips and still work.
func TestKeyRoundTrips(t *testing.T) {
	cases := []struct {
		alg   string
		p     *Params
		sign  *Params
		curve string
	}{
		{"ECDSA", &Params{Curve: "P-256"}, &Params{Hash: "SHA-256"}, "P-256"},
		{"ECDSA", &Params{Curve: "P-521"}, &Params{Hash: "SHA-512"}, "P-521"},
		{"RSASSA-PKCS1-v1_5", &Params{ModulusLength: 1024, PublicExponent: []byte{1, 0, 1}}, &Params{Hash: "SHA-256"}, ""},
		{"Ed25519", &Params{}, &Params{}, ""},
	}
	msg := []byte("message")
	for _, c := range cases {
		pub, priv, err := GenerateKey(c.alg, c.p)
		if err != nil {
			t.Fatalf("%s: %v", c.alg, err)
		}
		j, err := ExportJWK(priv)
		if err != nil {
			t.Fatalf("%s: export JWK: %v", c.alg, err)
		}
		text, _ := json.Marshal(j)
		priv2 := mustImport(t, "jwk", c.alg, c.curve, text)
		der, err := ExportKey("spki", pub)
		if err != nil {
			t.Fatalf("%s: export spki: %v", c.alg, err)
		}
		pub2 := mustImport(t, "spki", c.alg, c.curve, der)
		sig, err := Sign(c.alg, priv2, c.sign, msg)
		if err != nil {
			t.Fatalf("%s: sign: %v", c.alg, err)
		}
		vp := *c.sign
		vp.Signature = sig
		if ok, err := Verify(c.alg, pub2, &vp, msg); !ok || err != nil {
			t.Errorf("%s: verify after round trip = %v, %v", c.alg, ok, err)
		}
		if _, err := ExportKey("pkcs8", pub); errName(err) != "InvalidAccessError" {
			t.Errorf("%s: pkcs8 of a public key: %v", c.alg, err)
		}
		pk8, err := ExportKey("pkcs8", priv)
		if err != nil {
			t.Fatalf("%s: export pkcs8: %v", c.alg, err)
		}
		if k := mustImport(t, "pkcs8", c.alg, c.curve, pk8); k.Type() != "private" {
			t.Errorf("%s: pkcs8 import type %q", c.alg, k.Type())
		}
	}
}

// ECDH and X25519 agree on a secret from either side.
func TestKeyAgreement(t *testing.T) {
	for _, c := range []struct{ alg, curve string }{{"ECDH", "P-384"}, {"X25519", ""}} {
		apub, apriv, err := GenerateKey(c.alg, &Params{Curve: c.curve})
		if err != nil {
			t.Fatal(err)
		}
		bpub, bpriv, _ := GenerateKey(c.alg, &Params{Curve: c.curve})
		ab, err := DeriveBits(c.alg, apriv, &Params{Public: bpub})
		if err != nil {
			t.Fatalf("%s: %v", c.alg, err)
		}
		ba, _ := DeriveBits(c.alg, bpriv, &Params{Public: apub})
		if !bytes.Equal(ab, ba) || len(ab) == 0 {
			t.Errorf("%s: secrets differ: %x %x", c.alg, ab, ba)
		}
		short, err := DeriveBits(c.alg, apriv, &Params{Public: bpub, Length: 12, HasLength: true})
		if err != nil || len(short) != 2 || short[0] != ab[0] || short[1] != ab[1]&0xf0 {
			t.Errorf("%s: 12 bits = %x, %v", c.alg, short, err)
		}
		if _, err := DeriveBits(c.alg, apriv, &Params{}); errName(err) != "InvalidAccessError" {
			t.Errorf("%s: no public key: %v", c.alg, err)
		}
	}
}

// Import errors carry the DOMException names Web Crypto specifies.
func TestImportErrors(t *testing.T) {
	cases := []struct {
		format, alg, curve, data, want string
	}{
		{"raw", "AES-GCM", "", "short", "DataError"},
		{"raw", "HMAC", "", "", "DataError"},
		{"raw", "RSA-PSS", "", "x", "NotSupportedError"},
		{"pkcs8", "HMAC", "", "x", "NotSupportedError"},
		{"spki", "ECDSA", "P-256", "not der", "DataError"},
		{"jwk", "HMAC", "", `{"kty":"RSA"}`, "DataError"},
		{"jwk", "HMAC", "", `{"kty":"oct","k":"!!"}`, "DataError"},
		{"jwk", "ECDSA", "P-256", `{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`, "DataError"},
		{"raw", "ECDSA", "P-999", "x", "NotSupportedError"},
		{"der", "HMAC", "", "x", "NotSupportedError"},
	}
	for _, c := range cases {
		_, err := ImportKey(c.format, c.alg, c.curve, []byte(c.data))
		if errName(err) != c.want {
			t.Errorf("import %s %s %q: %v, want %s", c.format, c.alg, c.data, err, c.want)
		}
	}
	k := mustImport(t, "raw", "HMAC", "", []byte("k"))
	if _, err := Sign("HMAC", k, &Params{Hash: "MD5"}, nil); errName(err) != "NotSupportedError" {
		t.Errorf("unknown hash: %v", err)
	}
}

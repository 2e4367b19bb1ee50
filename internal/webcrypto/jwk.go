package webcrypto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
)

// JWK holds the key-material members of a JSON Web Key (RFC 7517/7518,
// RFC 8037). alg, use, key_ops and ext are the caller's to check.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	K   string `json:"k,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	D   string `json:"d,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	P   string `json:"p,omitempty"`
	Q   string `json:"q,omitempty"`
	DP  string `json:"dp,omitempty"`
	DQ  string `json:"dq,omitempty"`
	QI  string `json:"qi,omitempty"`
}

var b64url = base64.RawURLEncoding

// field decodes a required base64url member.
func (j *JWK) field(name, v string) ([]byte, error) {
	if v == "" {
		return nil, dataErr("Invalid %s JWK: missing field %q.", j.Kty, name)
	}
	b, err := b64url.DecodeString(v)
	if err != nil {
		return nil, dataErr("Invalid %s JWK: field %q is not valid base64url.", j.Kty, name)
	}
	return b, nil
}

func (j *JWK) bigField(name, v string) (*big.Int, error) {
	b, err := j.field(name, v)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

func importJWK(alg, curve string, data []byte) (*Key, error) {
	var j JWK
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, dataErr("Invalid JWK: %v", err)
	}
	want := map[string]string{"secret": "oct", "RSA": "RSA", "EC": "EC", "Ed25519": "OKP", "X25519": "OKP"}[keyFamily(alg)]
	if j.Kty != want {
		return nil, dataErr("%s JWK must have \"kty\" %q but has %q.", alg, want, j.Kty)
	}
	switch want {
	case "oct":
		k, err := j.field("k", j.K)
		if err != nil {
			return nil, err
		}
		return importRaw(alg, curve, k)
	case "RSA":
		return importRSAJWK(&j)
	case "EC":
		return importECJWK(&j, alg, curve)
	}
	return importOKPJWK(&j, alg)
}

func importRSAJWK(j *JWK) (*Key, error) {
	n, err := j.bigField("n", j.N)
	if err != nil {
		return nil, err
	}
	e, err := j.bigField("e", j.E)
	if err != nil {
		return nil, err
	}
	if !e.IsInt64() || e.Int64() > 1<<31-1 {
		return nil, dataErr("Invalid RSA JWK: the public exponent is too large.")
	}
	pub := rsa.PublicKey{N: n, E: int(e.Int64())}
	if j.D == "" {
		return &Key{typ: "public", pub: &pub}, nil
	}
	vals := make([]*big.Int, 6)
	for i, f := range [][2]string{{"d", j.D}, {"p", j.P}, {"q", j.Q}, {"dp", j.DP}, {"dq", j.DQ}, {"qi", j.QI}} {
		if vals[i], err = j.bigField(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	priv := &rsa.PrivateKey{PublicKey: pub, D: vals[0], Primes: []*big.Int{vals[1], vals[2]}}
	priv.Precompute()
	if err := priv.Validate(); err != nil {
		return nil, dataErr("Invalid RSA JWK: %v", err)
	}
	// The CRT values are checked too: a key whose dp/dq/qi disagree with
	// p and q would sign wrongly.
	if priv.Precomputed.Dp.Cmp(vals[3]) != 0 || priv.Precomputed.Dq.Cmp(vals[4]) != 0 || priv.Precomputed.Qinv.Cmp(vals[5]) != 0 {
		return nil, dataErr("Invalid RSA JWK: dp, dq or qi do not match the key.")
	}
	return &Key{typ: "private", priv: priv, pub: &priv.PublicKey}, nil
}

func importECJWK(j *JWK, alg, curve string) (*Key, error) {
	if j.Crv != curve {
		return nil, dataErr("EC JWK \"crv\" %q does not match namedCurve %q.", j.Crv, curve)
	}
	c, err := namedCurve(curve)
	if err != nil {
		return nil, err
	}
	size := (c.Params().BitSize + 7) / 8
	x, err := j.field("x", j.X)
	if err != nil {
		return nil, err
	}
	y, err := j.field("y", j.Y)
	if err != nil {
		return nil, err
	}
	if len(x) != size || len(y) != size {
		return nil, dataErr("Invalid EC JWK: x and y must be %d bytes for %s.", size, curve)
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		return nil, dataErr("Invalid EC JWK: %v", err)
	}
	if j.D == "" {
		return &Key{typ: "public", pub: pub}, nil
	}
	d, err := j.field("d", j.D)
	if err != nil {
		return nil, err
	}
	priv, err := ecdsa.ParseRawPrivateKey(c, d)
	if err != nil {
		return nil, dataErr("Invalid EC JWK: %v", err)
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, dataErr("Invalid EC JWK: \"d\" does not match \"x\" and \"y\".")
	}
	return &Key{typ: "private", priv: priv, pub: &priv.PublicKey}, nil
}

func importOKPJWK(j *JWK, alg string) (*Key, error) {
	wantCrv := "Ed25519"
	if alg == "X25519" {
		wantCrv = "X25519"
	}
	if j.Crv != wantCrv {
		return nil, dataErr("OKP JWK \"crv\" must be %q for %s but is %q.", wantCrv, alg, j.Crv)
	}
	x, err := j.field("x", j.X)
	if err != nil {
		return nil, err
	}
	pubKey, err := importRaw(alg, "", x)
	if err != nil {
		return nil, err
	}
	if j.D == "" {
		return pubKey, nil
	}
	d, err := j.field("d", j.D)
	if err != nil {
		return nil, err
	}
	if len(d) != 32 {
		return nil, dataErr("Invalid %s JWK: \"d\" must be 32 bytes.", wantCrv)
	}
	var k *Key
	if alg == "X25519" {
		priv, err := ecdh.X25519().NewPrivateKey(d)
		if err != nil {
			return nil, dataErr("Invalid X25519 JWK: %v", err)
		}
		k = &Key{typ: "private", priv: priv, pub: priv.PublicKey()}
	} else {
		priv := ed25519.NewKeyFromSeed(d)
		k = &Key{typ: "private", priv: priv, pub: priv.Public()}
	}
	if got, _ := ExportKey("raw", &Key{pub: k.pub}); !bytes.Equal(got, x) {
		return nil, dataErr("Invalid %s JWK: \"d\" does not match \"x\".", wantCrv)
	}
	return k, nil
}

// ExportJWK gives the key-material members of k as a JWK.
func ExportJWK(k *Key) (*JWK, error) {
	enc := b64url.EncodeToString
	switch key := k.pub.(type) {
	case nil:
		return &JWK{Kty: "oct", K: enc(k.secret)}, nil
	case *rsa.PublicKey:
		j := &JWK{Kty: "RSA", N: enc(key.N.Bytes()), E: enc(big.NewInt(int64(key.E)).Bytes())}
		if priv, ok := k.priv.(*rsa.PrivateKey); ok {
			if len(priv.Primes) != 2 {
				return nil, notSupportedErr("RSA keys with more than two primes cannot be exported as JWK.")
			}
			j.D, j.P, j.Q = enc(priv.D.Bytes()), enc(priv.Primes[0].Bytes()), enc(priv.Primes[1].Bytes())
			j.DP, j.DQ, j.QI = enc(priv.Precomputed.Dp.Bytes()), enc(priv.Precomputed.Dq.Bytes()), enc(priv.Precomputed.Qinv.Bytes())
		}
		return j, nil
	case *ecdsa.PublicKey:
		point, err := key.Bytes()
		if err != nil {
			return nil, operationErr("Failed to export the EC key: %v", err)
		}
		size := (len(point) - 1) / 2
		j := &JWK{Kty: "EC", Crv: curveName(key.Curve), X: enc(point[1 : 1+size]), Y: enc(point[1+size:])}
		if priv, ok := k.priv.(*ecdsa.PrivateKey); ok {
			d, err := priv.Bytes()
			if err != nil {
				return nil, operationErr("Failed to export the EC key: %v", err)
			}
			j.D = enc(d)
		}
		return j, nil
	case ed25519.PublicKey:
		j := &JWK{Kty: "OKP", Crv: "Ed25519", X: enc(key)}
		if priv, ok := k.priv.(ed25519.PrivateKey); ok {
			j.D = enc(priv.Seed())
		}
		return j, nil
	case *ecdh.PublicKey:
		j := &JWK{Kty: "OKP", Crv: "X25519", X: enc(key.Bytes())}
		if priv, ok := k.priv.(*ecdh.PrivateKey); ok {
			j.D = enc(priv.Bytes())
		}
		return j, nil
	}
	return nil, notSupportedErr("This key cannot be exported as JWK.")
}

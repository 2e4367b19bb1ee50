package webcrypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
)

// Params is a normalized algorithm dictionary: every member already
// checked for presence and type by the caller (the prelude's WebIDL
// conversions). Public is the public key of ECDH/X25519 deriveBits.
type Params struct {
	Hash               string
	Curve              string
	IV, AdditionalData []byte
	Counter, Label     []byte
	Salt, Info         []byte
	Signature          []byte
	PublicExponent     []byte
	TagLength, Length  int
	SaltLength         int
	Iterations         int
	ModulusLength      int
	HasLength, HasHash bool
	Public             *Key
}

// GenerateKey makes a secret key (priv is nil) or a key pair for alg.
func GenerateKey(alg string, p *Params) (pub, priv *Key, err error) {
	switch keyFamily(alg) {
	case "secret":
		n := p.Length
		if !p.HasLength {
			// HMAC's default is the hash's block size.
			n = 512
			if p.Hash == "SHA-384" || p.Hash == "SHA-512" {
				n = 1024
			}
		}
		b := make([]byte, (n+7)/8)
		rand.Read(b)
		if n%8 != 0 {
			b[len(b)-1] &= byte(0xff << (8 - n%8))
		}
		return nil, &Key{typ: "secret", secret: b}, nil
	case "RSA":
		e := new(big.Int).SetBytes(p.PublicExponent)
		if !e.IsInt64() || e.Int64() != 65537 {
			return nil, nil, operationErr("The \"publicExponent\" must be 65537 (got %s).", e)
		}
		if p.ModulusLength < 1024 || p.ModulusLength%8 != 0 || p.ModulusLength > 16384 {
			return nil, nil, operationErr("The \"modulusLength\" must be a multiple of 8 between 1024 and 16384 (got %d).", p.ModulusLength)
		}
		k, err := rsa.GenerateKey(rand.Reader, p.ModulusLength)
		if err != nil {
			return nil, nil, operationErr("RSA key generation failed: %v", err)
		}
		return &Key{typ: "public", pub: &k.PublicKey}, &Key{typ: "private", priv: k, pub: &k.PublicKey}, nil
	case "EC":
		c, err := namedCurve(p.Curve)
		if err != nil {
			return nil, nil, err
		}
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			return nil, nil, operationErr("EC key generation failed: %v", err)
		}
		return &Key{typ: "public", pub: &k.PublicKey}, &Key{typ: "private", priv: k, pub: &k.PublicKey}, nil
	case "Ed25519":
		pk, sk, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, operationErr("Ed25519 key generation failed: %v", err)
		}
		return &Key{typ: "public", pub: pk}, &Key{typ: "private", priv: sk, pub: pk}, nil
	case "X25519":
		sk, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, operationErr("X25519 key generation failed: %v", err)
		}
		return &Key{typ: "public", pub: sk.PublicKey()}, &Key{typ: "private", priv: sk, pub: sk.PublicKey()}, nil
	}
	return nil, nil, notSupportedErr("Unrecognized key generation algorithm %q requested.", alg)
}

// Details are the facts about key material that a CryptoKey's algorithm
// dictionary reports; zero members do not apply to the key.
type Details struct {
	Length         int    // bits of a secret key
	NamedCurve     string // EC keys
	ModulusLength  int    // RSA keys
	PublicExponent []byte // RSA keys, big-endian
}

// Details describes k.
func (k *Key) Details() Details {
	switch pub := k.pub.(type) {
	case nil:
		return Details{Length: len(k.secret) * 8}
	case *rsa.PublicKey:
		return Details{ModulusLength: pub.N.BitLen(), PublicExponent: big.NewInt(int64(pub.E)).Bytes()}
	case *ecdsa.PublicKey:
		return Details{NamedCurve: curveName(pub.Curve)}
	}
	return Details{}
}

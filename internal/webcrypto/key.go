package webcrypto

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
)

// Error is a Web Crypto failure. Name is the DOMException name the
// operation rejects with: "NotSupportedError", "DataError",
// "OperationError", "InvalidAccessError"…
type Error struct {
	Name, Message string
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

func dataErr(format string, args ...any) error {
	return &Error{"DataError", fmt.Sprintf(format, args...)}
}

func operationErr(format string, args ...any) error {
	return &Error{"OperationError", fmt.Sprintf(format, args...)}
}

func notSupportedErr(format string, args ...any) error {
	return &Error{"NotSupportedError", fmt.Sprintf(format, args...)}
}

// Key is the material behind a CryptoKey: a secret, or one half (or both
// halves) of a key pair. It never changes after it is made, so any
// goroutine may use it.
type Key struct {
	typ    string // "secret", "public" or "private"
	secret []byte
	// *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey, *ecdh.PrivateKey (X25519)
	priv crypto.PrivateKey
	// *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, *ecdh.PublicKey (X25519)
	pub crypto.PublicKey
}

// Type is the CryptoKey's type: "secret", "public" or "private".
func (k *Key) Type() string { return k.typ }

// hashFor maps a normalized Web Crypto hash name to its constructor.
func hashFor(name string) (func() hash.Hash, crypto.Hash, error) {
	switch name {
	case "SHA-1":
		return sha1.New, crypto.SHA1, nil
	case "SHA-256":
		return sha256.New, crypto.SHA256, nil
	case "SHA-384":
		return sha512.New384, crypto.SHA384, nil
	case "SHA-512":
		return sha512.New, crypto.SHA512, nil
	}
	return nil, 0, notSupportedErr("Unrecognized hash algorithm name: %q", name)
}

// namedCurve maps a Web Crypto curve name to the Go curve.
func namedCurve(name string) (elliptic.Curve, error) {
	switch name {
	case "P-256":
		return elliptic.P256(), nil
	case "P-384":
		return elliptic.P384(), nil
	case "P-521":
		return elliptic.P521(), nil
	}
	return nil, notSupportedErr("Unsupported namedCurve %q.", name)
}

func curveName(c elliptic.Curve) string { return c.Params().Name }

// publicOf gives the public half of a private key.
func publicOf(priv crypto.PrivateKey) crypto.PublicKey {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	case ed25519.PrivateKey:
		return k.Public()
	case *ecdh.PrivateKey:
		return k.PublicKey()
	}
	return nil
}

// keyFamily names what kind of Go key an algorithm needs.
func keyFamily(alg string) string {
	switch alg {
	case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
		return "RSA"
	case "ECDSA", "ECDH":
		return "EC"
	case "Ed25519", "NODE-ED25519":
		return "Ed25519"
	case "X25519":
		return "X25519"
	}
	return "secret"
}

// checkFamily makes sure a parsed key fits the algorithm it is imported for.
func checkFamily(alg string, key any) error {
	ok := false
	switch keyFamily(alg) {
	case "RSA":
		switch key.(type) {
		case *rsa.PrivateKey, *rsa.PublicKey:
			ok = true
		}
	case "EC":
		switch key.(type) {
		case *ecdsa.PrivateKey, *ecdsa.PublicKey:
			ok = true
		}
	case "Ed25519":
		switch key.(type) {
		case ed25519.PrivateKey, ed25519.PublicKey:
			ok = true
		}
	case "X25519":
		switch k := key.(type) {
		case *ecdh.PrivateKey:
			ok = k.Curve() == ecdh.X25519()
		case *ecdh.PublicKey:
			ok = k.Curve() == ecdh.X25519()
		}
	}
	if !ok {
		return dataErr("The key data is not a %s key (%s).", alg, describeKey(key))
	}
	return nil
}

func describeKey(key any) string {
	switch key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "found RSA"
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "found EC"
	case ed25519.PrivateKey, ed25519.PublicKey:
		return "found Ed25519"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "found X25519"
	}
	return fmt.Sprintf("found %T", key)
}

// checkCurve makes sure an EC key is on the curve the algorithm names.
func checkCurve(key any, want string) error {
	var c elliptic.Curve
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		c = k.Curve
	case *ecdsa.PublicKey:
		c = k.Curve
	default:
		return nil
	}
	if curveName(c) != want {
		return dataErr("The key's curve %s does not match namedCurve %q.", curveName(c), want)
	}
	return nil
}

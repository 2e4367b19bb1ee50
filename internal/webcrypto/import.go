package webcrypto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
)

// ImportKey turns key data in one of the Web Crypto formats into key
// material for alg (a normalized algorithm name). curve is the namedCurve
// of EC algorithms; JWK data arrives as its JSON text.
func ImportKey(format, alg, curve string, data []byte) (*Key, error) {
	switch format {
	case "raw":
		return importRaw(alg, curve, data)
	case "pkcs8":
		if keyFamily(alg) == "secret" {
			return nil, notSupportedErr("Unsupported import key format %q for %s.", format, alg)
		}
		key, err := x509.ParsePKCS8PrivateKey(data)
		if err != nil {
			return nil, dataErr("Invalid %s key in pkcs8 format: %v", alg, err)
		}
		if err := checkFamily(alg, key); err != nil {
			return nil, err
		}
		if err := checkCurve(key, curve); err != nil {
			return nil, err
		}
		return &Key{typ: "private", priv: key, pub: publicOf(key)}, nil
	case "spki":
		if keyFamily(alg) == "secret" {
			return nil, notSupportedErr("Unsupported import key format %q for %s.", format, alg)
		}
		key, err := x509.ParsePKIXPublicKey(data)
		if err != nil {
			return nil, dataErr("Invalid %s key in spki format: %v", alg, err)
		}
		if err := checkFamily(alg, key); err != nil {
			return nil, err
		}
		if err := checkCurve(key, curve); err != nil {
			return nil, err
		}
		return &Key{typ: "public", pub: key}, nil
	case "jwk":
		return importJWK(alg, curve, data)
	}
	return nil, notSupportedErr("Unrecognized key import format %q.", format)
}

func importRaw(alg, curve string, data []byte) (*Key, error) {
	switch keyFamily(alg) {
	case "secret":
		if len(alg) > 4 && alg[:4] == "AES-" && len(data) != 16 && len(data) != 24 && len(data) != 32 {
			return nil, dataErr("Imported AES key length must be 128, 192, or 256 bits but provided %d.", len(data)*8)
		}
		if alg == "HMAC" && len(data) == 0 {
			return nil, dataErr("HMAC key length must be a non-zero unsigned long integer.")
		}
		return &Key{typ: "secret", secret: bytes.Clone(data)}, nil
	case "EC":
		c, err := namedCurve(curve)
		if err != nil {
			return nil, err
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(c, data)
		if err != nil {
			return nil, dataErr("Invalid raw %s public key for %s: %v", alg, curve, err)
		}
		return &Key{typ: "public", pub: pub}, nil
	case "Ed25519":
		if len(data) != ed25519.PublicKeySize {
			return nil, dataErr("Ed25519 raw keys must be exactly 32 bytes but provided %d.", len(data))
		}
		return &Key{typ: "public", pub: ed25519.PublicKey(bytes.Clone(data))}, nil
	case "X25519":
		pub, err := ecdh.X25519().NewPublicKey(data)
		if err != nil {
			return nil, dataErr("X25519 raw keys must be exactly 32 bytes but provided %d.", len(data))
		}
		return &Key{typ: "public", pub: pub}, nil
	}
	return nil, notSupportedErr("Unsupported import key format \"raw\" for %s.", alg)
}

// ExportKey writes key material in a binary format ("raw", "pkcs8",
// "spki"); a format the key has no form in is an InvalidAccessError.
func ExportKey(format string, k *Key) ([]byte, error) {
	switch format {
	case "raw":
		switch pub := k.pub.(type) {
		case nil:
			return bytes.Clone(k.secret), nil
		case *ecdsa.PublicKey:
			return pub.Bytes()
		case ed25519.PublicKey:
			return bytes.Clone(pub), nil
		case *ecdh.PublicKey:
			return pub.Bytes(), nil
		}
	case "pkcs8":
		if k.priv != nil {
			b, err := x509.MarshalPKCS8PrivateKey(k.priv)
			if err != nil {
				return nil, operationErr("Failed to export the key as pkcs8: %v", err)
			}
			return b, nil
		}
	case "spki":
		if k.pub != nil {
			b, err := x509.MarshalPKIXPublicKey(k.pub)
			if err != nil {
				return nil, operationErr("Failed to export the key as spki: %v", err)
			}
			return b, nil
		}
	}
	return nil, &Error{Name: "InvalidAccessError", Message: "The key cannot be exported in " + format + " format."}
}

// rsaPublic gives the RSA public key of k, if it is an RSA key.
func rsaPublic(k *Key) *rsa.PublicKey {
	pub, _ := k.pub.(*rsa.PublicKey)
	return pub
}

package webcrypto

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/pbkdf2"
	"hash"
)

// maxPBKDF2Iterations is Cloudflare's limit: more is NotSupportedError there.
const maxPBKDF2Iterations = 100000

// DeriveBits runs deriveBits for alg (HKDF, PBKDF2, ECDH, X25519).
// p.Length is in bits; p.HasLength is false when the caller passed null.
func DeriveBits(alg string, k *Key, p *Params) ([]byte, error) {
	switch alg {
	case "HKDF", "PBKDF2":
		if !p.HasLength {
			return nil, operationErr("%s cannot derive a key without a length.", alg)
		}
		if p.Length%8 != 0 {
			return nil, operationErr("%s length must be a multiple of 8 bits (provided %d).", alg, p.Length)
		}
		if p.Length == 0 {
			return []byte{}, nil
		}
		newHash, _, err := hashFor(p.Hash)
		if err != nil {
			return nil, err
		}
		if alg == "HKDF" {
			out, err := hkdf.Key[hash.Hash](newHash, k.secret, p.Salt, string(p.Info), p.Length/8)
			if err != nil {
				return nil, operationErr("HKDF derivation failed: %v", err)
			}
			return out, nil
		}
		if p.Iterations == 0 {
			return nil, operationErr("PBKDF2 iterations must be greater than 0.")
		}
		if p.Iterations > maxPBKDF2Iterations {
			return nil, notSupportedErr("PBKDF2 iteration counts above %d are not supported (requested %d).", maxPBKDF2Iterations, p.Iterations)
		}
		out, err := pbkdf2.Key[hash.Hash](newHash, string(k.secret), p.Salt, p.Iterations, p.Length/8)
		if err != nil {
			return nil, operationErr("PBKDF2 derivation failed: %v", err)
		}
		return out, nil
	case "ECDH", "X25519":
		return ecdhBits(alg, k, p)
	}
	return nil, notSupportedErr("Unrecognized algorithm %q for deriveBits.", alg)
}

func ecdhBits(alg string, k *Key, p *Params) ([]byte, error) {
	var priv *ecdh.PrivateKey
	var pub *ecdh.PublicKey
	var err error
	if p.Public == nil {
		return nil, &Error{Name: "InvalidAccessError", Message: alg + " needs a public key."}
	}
	switch sk := k.priv.(type) {
	case *ecdh.PrivateKey:
		priv = sk
		pub, _ = p.Public.pub.(*ecdh.PublicKey)
	case *ecdsa.PrivateKey:
		if priv, err = sk.ECDH(); err == nil {
			if pk, ok := p.Public.pub.(*ecdsa.PublicKey); ok {
				pub, err = pk.ECDH()
			}
		}
	}
	if err != nil || priv == nil || pub == nil {
		return nil, &Error{Name: "InvalidAccessError", Message: "The public key does not fit the base key of " + alg + "."}
	}
	secret, err := priv.ECDH(pub)
	if err != nil {
		// X25519 with a low-order point gives all zeros, which Go refuses.
		return nil, operationErr("%s key derivation failed: %v", alg, err)
	}
	if !p.HasLength {
		return secret, nil
	}
	// P-521's secret fills 66 bytes but carries 521 bits.
	maxBits := len(secret) * 8
	if sk, ok := k.priv.(*ecdsa.PrivateKey); ok {
		maxBits = sk.Curve.Params().BitSize
	}
	if p.Length > maxBits {
		return nil, operationErr("Derived key length (%d bits) is too long (should be at most %d bits).", p.Length, maxBits)
	}
	out := secret[:(p.Length+7)/8]
	if p.Length%8 != 0 {
		out[len(out)-1] &= byte(0xff << (8 - p.Length%8))
	}
	return out, nil
}

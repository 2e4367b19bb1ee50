package webcrypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
)

// digestFor hashes data with the named hash for the signature schemes
// that sign a digest.
func digestFor(name string, data []byte) ([]byte, crypto.Hash, error) {
	newHash, id, err := hashFor(name)
	if err != nil {
		return nil, 0, err
	}
	h := newHash()
	h.Write(data)
	return h.Sum(nil), id, nil
}

// Sign runs sign for alg: HMAC, Ed25519, RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA.
func Sign(alg string, k *Key, p *Params, data []byte) ([]byte, error) {
	switch alg {
	case "HMAC":
		newHash, _, err := hashFor(p.Hash)
		if err != nil {
			return nil, err
		}
		m := hmac.New(newHash, k.secret)
		m.Write(data)
		return m.Sum(nil), nil
	case "Ed25519", "NODE-ED25519":
		return ed25519.Sign(k.priv.(ed25519.PrivateKey), data), nil
	}
	sum, id, err := digestFor(p.Hash, data)
	if err != nil {
		return nil, err
	}
	switch alg {
	case "RSASSA-PKCS1-v1_5":
		sig, err := rsa.SignPKCS1v15(nil, k.priv.(*rsa.PrivateKey), id, sum)
		if err != nil {
			return nil, operationErr("RSASSA-PKCS1-v1_5 signing failed: %v", err)
		}
		return sig, nil
	case "RSA-PSS":
		// Go reads a zero salt length as "as long as fits", so an empty
		// salt cannot be produced.
		if p.SaltLength == 0 {
			return nil, notSupportedErr("RSA-PSS saltLength 0 is not supported; use the hash length.")
		}
		sig, err := rsa.SignPSS(rand.Reader, k.priv.(*rsa.PrivateKey), id, sum, &rsa.PSSOptions{SaltLength: p.SaltLength})
		if err != nil {
			return nil, operationErr("RSA-PSS signing failed: %v", err)
		}
		return sig, nil
	case "ECDSA":
		priv := k.priv.(*ecdsa.PrivateKey)
		r, s, err := ecdsa.Sign(rand.Reader, priv, sum)
		if err != nil {
			return nil, operationErr("ECDSA signing failed: %v", err)
		}
		// Web Crypto signatures are r||s, each padded to the curve size.
		size := (priv.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	}
	return nil, notSupportedErr("Unrecognized algorithm %q for sign.", alg)
}

// Verify checks p.Signature over data; a signature that does not fit
// is false, not an error.
func Verify(alg string, k *Key, p *Params, data []byte) (bool, error) {
	sig := p.Signature
	switch alg {
	case "HMAC":
		want, err := Sign(alg, k, p, data)
		if err != nil {
			return false, err
		}
		return hmac.Equal(want, sig), nil
	case "Ed25519", "NODE-ED25519":
		pub := k.pub.(ed25519.PublicKey)
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, data, sig), nil
	}
	sum, id, err := digestFor(p.Hash, data)
	if err != nil {
		return false, err
	}
	switch alg {
	case "RSASSA-PKCS1-v1_5":
		return rsa.VerifyPKCS1v15(rsaPublic(k), id, sum, sig) == nil, nil
	case "RSA-PSS":
		if p.SaltLength == 0 {
			return false, notSupportedErr("RSA-PSS saltLength 0 is not supported; use the hash length.")
		}
		return rsa.VerifyPSS(rsaPublic(k), id, sum, sig, &rsa.PSSOptions{SaltLength: p.SaltLength}) == nil, nil
	case "ECDSA":
		pub := k.pub.(*ecdsa.PublicKey)
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false, nil
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(pub, sum, r, s), nil
	}
	return false, notSupportedErr("Unrecognized algorithm %q for verify.", alg)
}

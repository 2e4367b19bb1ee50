// Package webcrypto is the semantics of crypto.subtle without the engine:
// key material (secret keys, RSA, EC, Ed25519 and X25519 pairs), import
// and export in the raw, pkcs8, spki and JWK formats, key generation,
// sign/verify, encrypt/decrypt (which is also wrap/unwrap), and
// deriveBits. Inputs are normalized algorithm names, Params and bytes;
// failures are *Error values naming the DOMException the caller rejects
// with. The runtime's ops convert JavaScript values to these and back.
package webcrypto

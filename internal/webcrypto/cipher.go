package webcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/binary"
	"math/big"
)

// Encrypt runs encrypt for alg: AES-GCM, AES-CBC, AES-CTR, AES-KW (wrap)
// or RSA-OAEP.
func Encrypt(alg string, k *Key, p *Params, data []byte) ([]byte, error) {
	return cipherOp(alg, false, k, p, data)
}

// Decrypt runs decrypt for alg (for AES-KW: unwrap).
func Decrypt(alg string, k *Key, p *Params, data []byte) ([]byte, error) {
	return cipherOp(alg, true, k, p, data)
}

func cipherOp(alg string, decrypt bool, k *Key, p *Params, data []byte) ([]byte, error) {
	if alg == "RSA-OAEP" {
		return rsaOAEP(decrypt, k, p, data)
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, operationErr("Invalid AES key: %v", err)
	}
	switch alg {
	case "AES-GCM":
		return aesGCM(decrypt, block, p, data)
	case "AES-CBC":
		return aesCBC(decrypt, block, p, data)
	case "AES-CTR":
		return aesCTR(block, p, data)
	case "AES-KW":
		if decrypt {
			return aesKWUnwrap(block, data)
		}
		return aesKWWrap(block, data)
	}
	return nil, notSupportedErr("Unrecognized algorithm %q for encrypt/decrypt.", alg)
}

func aesGCM(decrypt bool, block cipher.Block, p *Params, data []byte) ([]byte, error) {
	tag := 128
	if p.TagLength != 0 {
		tag = p.TagLength
	}
	switch tag {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return nil, operationErr("Invalid AES-GCM tag length %d.", tag)
	}
	if len(p.IV) == 0 {
		return nil, operationErr("AES-GCM IV must not be empty.")
	}
	var aead cipher.AEAD
	var err error
	switch {
	case tag < 96:
		// Go's GCM refuses tags this short: they are too weak to offer.
		return nil, notSupportedErr("AES-GCM tag length %d is not supported; use 96 bits or more.", tag)
	case tag == 128:
		aead, err = cipher.NewGCMWithNonceSize(block, len(p.IV))
	case len(p.IV) == 12:
		aead, err = cipher.NewGCMWithTagSize(block, tag/8)
	default:
		return nil, notSupportedErr("AES-GCM with a %d-byte IV supports only 128-bit tags.", len(p.IV))
	}
	if err != nil {
		return nil, operationErr("AES-GCM setup failed: %v", err)
	}
	if !decrypt {
		return aead.Seal(nil, p.IV, data, p.AdditionalData), nil
	}
	if len(data) < tag/8 {
		return nil, operationErr("Ciphertext length of %d bits must be greater than or equal to the size of the tag length.", len(data)*8)
	}
	out, err := aead.Open(nil, p.IV, data, p.AdditionalData)
	if err != nil {
		return nil, operationErr("Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason.")
	}
	return out, nil
}

func aesCBC(decrypt bool, block cipher.Block, p *Params, data []byte) ([]byte, error) {
	if len(p.IV) != aes.BlockSize {
		return nil, operationErr("AES-CBC IV must be 16 bytes long (provided %d).", len(p.IV))
	}
	if !decrypt {
		pad := aes.BlockSize - len(data)%aes.BlockSize
		out := make([]byte, len(data)+pad)
		copy(out, data)
		for i := len(data); i < len(out); i++ {
			out[i] = byte(pad)
		}
		cipher.NewCBCEncrypter(block, p.IV).CryptBlocks(out, out)
		return out, nil
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, operationErr("AES-CBC ciphertext length must be a non-zero multiple of 16 bytes (provided %d).", len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, p.IV).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	bad := 0
	if pad == 0 || pad > aes.BlockSize {
		bad = 1
	} else {
		for _, b := range out[len(out)-pad:] {
			bad |= subtle.ConstantTimeByteEq(b, byte(pad)) ^ 1
		}
	}
	if bad != 0 {
		return nil, operationErr("Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason.")
	}
	return out[:len(out)-pad], nil
}

// aesCTR increments only the rightmost p.Length bits of the counter block,
// wrapping within them, as Web Crypto requires (Go's CTR counts over all
// 128 bits).
func aesCTR(block cipher.Block, p *Params, data []byte) ([]byte, error) {
	if len(p.Counter) != aes.BlockSize {
		return nil, operationErr("AES-CTR counter must be 16 bytes long (provided %d).", len(p.Counter))
	}
	if p.Length < 1 || p.Length > 128 {
		return nil, operationErr("AES-CTR counter length must be between 1 and 128 bits (provided %d).", p.Length)
	}
	blocks := (len(data) + aes.BlockSize - 1) / aes.BlockSize
	if p.Length < 63 && uint64(blocks) > uint64(1)<<p.Length {
		return nil, operationErr("AES-CTR: the counter would wrap around (%d blocks with a %d-bit counter).", blocks, p.Length)
	}
	mod := new(big.Int).Lsh(big.NewInt(1), uint(p.Length))
	full := new(big.Int).SetBytes(p.Counter)
	low := new(big.Int).Mod(full, mod)
	high := new(big.Int).Sub(full, low)
	one := big.NewInt(1)
	ctr := make([]byte, aes.BlockSize)
	ks := make([]byte, aes.BlockSize)
	out := make([]byte, len(data))
	for i := 0; i < len(data); i += aes.BlockSize {
		new(big.Int).Add(high, low).FillBytes(ctr)
		block.Encrypt(ks, ctr)
		subtle.XORBytes(out[i:], data[i:], ks)
		low.Add(low, one)
		if low.Cmp(mod) == 0 {
			low.SetInt64(0)
		}
	}
	return out, nil
}

var kwIV = []byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// aesKWWrap is RFC 3394 key wrap, which Go's standard library lacks.
func aesKWWrap(block cipher.Block, data []byte) ([]byte, error) {
	if len(data) < 16 || len(data)%8 != 0 {
		return nil, operationErr("AES-KW can only wrap data that is a multiple of 8 bytes and at least 16 bytes (provided %d).", len(data))
	}
	n := len(data) / 8
	out := make([]byte, 8+len(data))
	copy(out, kwIV)
	copy(out[8:], data)
	buf := make([]byte, 16)
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(buf, out[:8])
			copy(buf[8:], out[8*i:8*i+8])
			block.Encrypt(buf, buf)
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(buf[:8])^t)
			copy(out[8*i:], buf[8:])
		}
	}
	return out, nil
}

func aesKWUnwrap(block cipher.Block, data []byte) ([]byte, error) {
	if len(data) < 24 || len(data)%8 != 0 {
		return nil, operationErr("AES-KW wrapped data must be a multiple of 8 bytes and at least 24 bytes (provided %d).", len(data))
	}
	n := len(data)/8 - 1
	out := make([]byte, len(data))
	copy(out, data)
	buf := make([]byte, 16)
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(out[:8])^t)
			copy(buf[8:], out[8*i:8*i+8])
			block.Decrypt(buf, buf)
			copy(out[:8], buf[:8])
			copy(out[8*i:], buf[8:])
		}
	}
	if subtle.ConstantTimeCompare(out[:8], kwIV) != 1 {
		return nil, operationErr("AES-KW unwrap failed: the integrity check did not pass (wrong key or corrupted data).")
	}
	return out[8:], nil
}

func rsaOAEP(decrypt bool, k *Key, p *Params, data []byte) ([]byte, error) {
	newHash, _, err := hashFor(p.Hash)
	if err != nil {
		return nil, err
	}
	if !decrypt {
		pub := rsaPublic(k)
		out, err := rsa.EncryptOAEP(newHash(), rand.Reader, pub, data, p.Label)
		if err != nil {
			return nil, operationErr("RSA-OAEP encryption failed: %v", err)
		}
		return out, nil
	}
	priv, _ := k.priv.(*rsa.PrivateKey)
	out, err := rsa.DecryptOAEP(newHash(), nil, priv, data, p.Label)
	if err != nil {
		return nil, operationErr("Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason.")
	}
	return out, nil
}

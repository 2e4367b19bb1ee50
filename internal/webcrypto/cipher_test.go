package webcrypto

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 3394 section 4 vectors for the hand-written AES key wrap.
func TestAESKeyWrapRFC3394(t *testing.T) {
	cases := []struct{ kek, key, wrapped string }{
		{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607", "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
		{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	}
	for _, c := range cases {
		block, err := aes.NewCipher(unhex(t, c.kek))
		if err != nil {
			t.Fatal(err)
		}
		got, err := aesKWWrap(block, unhex(t, c.key))
		if err != nil || !bytes.Equal(got, unhex(t, c.wrapped)) {
			t.Errorf("wrap(%s) = %X, %v; want %s", c.key, got, err, c.wrapped)
		}
		back, err := aesKWUnwrap(block, got)
		if err != nil || !bytes.Equal(back, unhex(t, c.key)) {
			t.Errorf("unwrap = %X, %v", back, err)
		}
		got[len(got)-1] ^= 1
		if _, err := aesKWUnwrap(block, got); err == nil {
			t.Error("unwrap of corrupted data succeeded")
		}
	}
}

// A short counter wraps within its bits and leaves the rest of the block alone.
func TestAESCTRCounterWraps(t *testing.T) {
	block, _ := aes.NewCipher(make([]byte, 16))
	counter := unhex(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaff")
	out, err := aesCTR(block, &Params{Counter: counter, Length: 8}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	ks := make([]byte, 16)
	block.Encrypt(ks, counter)
	if !bytes.Equal(out[:16], ks) {
		t.Error("first block is not E(counter)")
	}
	block.Encrypt(ks, unhex(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa00"))
	if !bytes.Equal(out[16:], ks) {
		t.Error("second block did not wrap the low 8 bits to 00")
	}
	if _, err := aesCTR(block, &Params{Counter: counter, Length: 1}, make([]byte, 48)); err == nil {
		t.Error("a 1-bit counter accepted 3 blocks")
	}
}

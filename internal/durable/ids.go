package durable

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// IDs are 64 hex digits, as Cloudflare's: 16 bytes that name the object
// (random for newUniqueId, derived from the name for idFromName) followed
// by 16 bytes that tie them to the namespace, so an id of one namespace is
// refused by another's idFromString.

// IDFromName derives the id of the object named name in a namespace.
func IDFromName(namespace, name string) string {
	sum := sha256.Sum256([]byte(namespace + "\x00" + name))
	return seal(namespace, sum[:16])
}

// NewUniqueID makes a random id in a namespace.
func NewUniqueID(namespace string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return seal(namespace, b)
}

func seal(namespace string, body []byte) string {
	mac := hmac.New(sha256.New, []byte("outpost durable object namespace\x00"+namespace))
	mac.Write(body)
	return hex.EncodeToString(body) + hex.EncodeToString(mac.Sum(nil)[:16])
}

// CheckID validates an id given to idFromString.
func CheckID(namespace, id string) error {
	if !hexID.MatchString(strings.ToLower(id)) || len(id) != 64 {
		return &Error{Name: "TypeError", Message: "Invalid Durable Object ID: must be 64 hex digits"}
	}
	body, _ := hex.DecodeString(strings.ToLower(id)[:32])
	if seal(namespace, body) != strings.ToLower(id) {
		return &Error{Name: "TypeError", Message: "Invalid Durable Object ID: the ID is not for this Durable Object namespace"}
	}
	return nil
}

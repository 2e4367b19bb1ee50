package kv

import (
	"encoding/json"
	"fmt"
)

// checkKeyName is workerd's client-side check (api/kv.c++ validateKeyName).
func checkKeyName(op, key string) error {
	switch key {
	case "":
		return typeError("Key name cannot be empty.")
	case ".":
		return typeError(`"." is not allowed as a key name.`)
	case "..":
		return typeError(`".." is not allowed as a key name.`)
	}
	if len(key) > MaxKeySize {
		return failed(op, 414, "UTF-8 encoded length of %d exceeds key length limit of %d.", len(key), MaxKeySize)
	}
	return nil
}

// checkServiceKey is the service-side key check Miniflare applies where
// workerd checks nothing first (bulk get).
func checkServiceKey(op, key string) error {
	switch key {
	case "":
		return failed(op, 400, "Key names must not be empty")
	case ".", "..":
		return failed(op, 400, "Illegal key name %q. Please use a different name.", key)
	}
	if len(key) > MaxKeySize {
		return failed(op, 414, "UTF-8 encoded length of %d exceeds key length limit of %d.", len(key), MaxKeySize)
	}
	return nil
}

func checkCacheTTL(op string, ttl *int64) error {
	if ttl != nil && *ttl < MinCacheTTL {
		return failed(op, 400, "Invalid cache_ttl of %d. Cache TTL must be at least %d.", *ttl, MinCacheTTL)
	}
	return nil
}

// putExpiration resolves PutOptions to an absolute expiration in seconds
// (0 = none). expirationTtl wins over expiration, as in Miniflare.
func putExpiration(o PutOptions, nowSec int64) (int64, error) {
	if o.ExpirationTTL != nil {
		ttl := *o.ExpirationTTL
		if ttl <= 0 {
			return 0, failed(opPut, 400, "Invalid expiration_ttl of %d. Please specify integer greater than 0.", ttl)
		}
		if ttl < MinExpirationTTL {
			return 0, failed(opPut, 400, "Invalid expiration_ttl of %d. Expiration TTL must be at least %d.", ttl, MinExpirationTTL)
		}
		return nowSec + ttl, nil
	}
	if o.Expiration != nil {
		exp := *o.Expiration
		if exp <= nowSec {
			return 0, failed(opPut, 400, "Invalid expiration of %d. Please specify integer greater than the current number of seconds since the UNIX epoch.", exp)
		}
		if exp < nowSec+MinExpirationTTL {
			return 0, failed(opPut, 400, "Invalid expiration of %d. Expiration times must be at least %d seconds in the future.", exp, MinExpirationTTL)
		}
		return exp, nil
	}
	return 0, nil
}

func checkMetadata(md json.RawMessage) error {
	if md == nil {
		return nil
	}
	if len(md) > MaxMetadataSize {
		return failed(opPut, 413, "Metadata length of %d exceeds limit of %d.", len(md), MaxMetadataSize)
	}
	if !json.Valid(md) {
		// Only a broken caller gets here: the binding passes JSON.stringify output.
		return fmt.Errorf("kv: metadata is not valid JSON: %.40q", md)
	}
	return nil
}

func checkValue(v []byte) error {
	if len(v) > MaxValueSize {
		return failed(opPut, 413, "Value length of %d exceeds limit of %d.", len(v), MaxValueSize)
	}
	return nil
}

// listLimit applies workerd's rule (a limit ≤ 0 is not sent, so the default
// applies) and Miniflare's upper bound.
func listLimit(limit int) (int, error) {
	if limit <= 0 {
		return MaxListKeys, nil
	}
	if limit > MaxListKeys {
		return 0, failed(opGet, 400, "Invalid key_count_limit of %d. Please specify an integer less than %d.", limit, MaxListKeys)
	}
	return limit, nil
}

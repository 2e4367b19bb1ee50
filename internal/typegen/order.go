package typegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/tailscale/hujson"
)

// keyOrder tells the order in which a config file writes the keys of each
// table: the types list vars (and the keys of object vars) in the order
// they are written, as wrangler does, while the parsed config keeps them
// in maps.
type keyOrder map[string][]string // "vars" or "env\x00staging\x00vars" → keys

func (o keyOrder) of(path ...string) []string { return o[strings.Join(path, "\x00")] }

func (o keyOrder) add(path []string, key string) {
	p := strings.Join(path, "\x00")
	for _, k := range o[p] {
		if k == key {
			return
		}
	}
	o[p] = append(o[p], key)
}

// readKeyOrder reads the key order of a wrangler.toml, .json or .jsonc.
func readKeyOrder(path string) (keyOrder, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	o := keyOrder{}
	if strings.EqualFold(filepath.Ext(path), ".toml") {
		var raw map[string]any
		md, err := toml.Decode(string(data), &raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, k := range md.Keys() {
			if len(k) > 0 {
				o.add(k[:len(k)-1], k[len(k)-1])
			}
		}
		return o, nil
	}
	v, err := hujson.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v.Standardize()
	dec := json.NewDecoder(bytes.NewReader(v.Pack()))
	if err := walkJSON(dec, nil, o); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// walkJSON records the key order of every object below path. Array
// elements are not tables a var can name, so their keys are skipped.
func walkJSON(dec *json.Decoder, path []string, o keyOrder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key := kt.(string)
			o.add(path, key)
			if err := walkJSON(dec, append(append([]string(nil), path...), key), o); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case json.Delim('['):
		for dec.More() {
			if err := walkJSON(dec, append(append([]string(nil), path...), "[]"), o); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}

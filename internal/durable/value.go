package durable

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DescribeValue renders a stored value (the prelude's serialization, as
// ctx.storage.put wrote it) as JSON for people: plain values as they are,
// and the types JSON lacks as {"$date": …}, {"$map": […]}, {"$set": […]},
// {"$bytes": base64}, {"$bigint": "…"}, {"$error": {name, message}}.
func DescribeValue(packed []byte) (string, error) {
	if len(packed) < 8 {
		return "", errors.New("not a stored value")
	}
	n := binary.BigEndian.Uint32(packed[0:4])
	count := binary.BigEndian.Uint32(packed[4:8])
	if uint64(8+n) > uint64(len(packed)) {
		return "", errors.New("not a stored value")
	}
	var tree any
	if err := json.Unmarshal(packed[8:8+n], &tree); err != nil {
		return "", err
	}
	var buffers [][]byte
	at := 8 + int(n)
	for i := 0; i < int(count); i++ {
		if at+4 > len(packed) {
			return "", errors.New("a stored value is truncated")
		}
		l := int(binary.BigEndian.Uint32(packed[at : at+4]))
		if at+4+l > len(packed) {
			return "", errors.New("a stored value is truncated")
		}
		buffers = append(buffers, packed[at+4:at+4+l])
		at += 4 + l
	}
	out, err := json.MarshalIndent(describe(tree, buffers), "", "  ")
	return string(out), err
}

func describe(t any, buffers [][]byte) any {
	arr, ok := t.([]any)
	if !ok || len(arr) == 0 {
		return t
	}
	tag, _ := arr[0].(string)
	arg := func(i int) any {
		if i < len(arr) {
			return arr[i]
		}
		return nil
	}
	buf := func(i int) string {
		if f, ok := arg(i).(float64); ok && int(f) < len(buffers) {
			return base64.StdEncoding.EncodeToString(buffers[int(f)])
		}
		return ""
	}
	switch tag {
	case "n":
		return map[string]any{"$number": arg(1)}
	case "u":
		return map[string]any{"$undefined": true}
	case "b":
		return map[string]any{"$bigint": arg(1)}
	case "@":
		return map[string]any{"$ref": arg(1)}
	case "a":
		list, _ := arg(1).([]any)
		out := make([]any, len(list))
		for i, x := range list {
			out[i] = describe(x, buffers)
		}
		return out
	case "o":
		m, _ := arg(1).(map[string]any)
		out := map[string]any{}
		for k, x := range m {
			out[k] = describe(x, buffers)
		}
		return out
	case "m":
		list, _ := arg(1).([]any)
		out := make([]any, 0, len(list))
		for _, pair := range list {
			p, _ := pair.([]any)
			if len(p) == 2 {
				out = append(out, []any{describe(p[0], buffers), describe(p[1], buffers)})
			}
		}
		return map[string]any{"$map": out}
	case "s":
		list, _ := arg(1).([]any)
		out := make([]any, len(list))
		for i, x := range list {
			out[i] = describe(x, buffers)
		}
		return map[string]any{"$set": out}
	case "d":
		ms, _ := arg(1).(float64)
		return map[string]any{"$date": time.UnixMilli(int64(ms)).UTC().Format(time.RFC3339Nano)}
	case "r":
		return map[string]any{"$regexp": fmt.Sprintf("/%v/%v", arg(1), arg(2))}
	case "ab":
		return map[string]any{"$bytes": buf(1)}
	case "v":
		return map[string]any{"$bytes": buf(2), "$type": arg(1)}
	case "e":
		return map[string]any{"$error": map[string]any{"name": arg(1), "message": arg(2)}}
	case "blob", "file":
		return map[string]any{"$blob": buf(2), "$type": arg(1)}
	case "box":
		return describe(arg(1), buffers)
	}
	return t
}

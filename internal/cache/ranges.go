package cache

import (
	"strconv"
	"strings"
)

// byteRange is an inclusive range of body offsets.
type byteRange struct{ start, end int64 }

func (r byteRange) length() int64 { return r.end - r.start + 1 }

// parseRange interprets a Range header against a body of size bytes, the
// way Cloudflare's cache (and Miniflare) do. ok is false when the range is
// unsatisfiable (answered with 416). An empty, ok result means "send the
// whole body": an empty "bytes=" header, or a suffix at least as long as the
// body.
func parseRange(header string, size int64) (ranges []byteRange, ok bool) {
	rest, found := cutUnit(header)
	if !found {
		return nil, false
	}
	if strings.TrimSpace(rest) == "" {
		return nil, true
	}
	for _, spec := range strings.Split(rest, ",") {
		first, last, dash := strings.Cut(strings.TrimSpace(spec), "-")
		if !dash {
			return nil, false
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		start, errStart := parseOffset(first)
		end, errEnd := parseOffset(last)
		if (first != "" && errStart != nil) || (last != "" && errEnd != nil) {
			return nil, false
		}
		switch {
		case first != "" && last != "":
			if start > end || start >= size {
				return nil, false
			}
			ranges = append(ranges, byteRange{start, min(end, size-1)})
		case first != "":
			if start >= size {
				return nil, false
			}
			ranges = append(ranges, byteRange{start, size - 1})
		case last != "":
			if end >= size {
				return nil, true
			}
			if end == 0 {
				continue // "-0" asks for nothing
			}
			ranges = append(ranges, byteRange{size - end, size - 1})
		default:
			return nil, false
		}
	}
	return ranges, true
}

// cutUnit strips a case-insensitive "bytes =" prefix.
func cutUnit(h string) (string, bool) {
	h = strings.TrimLeft(h, " ")
	if len(h) < 5 || !strings.EqualFold(h[:5], "bytes") {
		return "", false
	}
	h = strings.TrimLeft(h[5:], " ")
	if !strings.HasPrefix(h, "=") {
		return "", false
	}
	return h[1:], true
}

func parseOffset(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

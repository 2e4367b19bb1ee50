package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// SourceMap is a decoded source map (version 3) of a bundle.
type SourceMap struct {
	// Sources are the original files, relative to the project directory
	// with forward slashes (node_modules/... for packages).
	Sources []string
	Names   []string
	// JSON is the source map itself, with the same Sources, ready to be
	// written next to the bundle as worker.js.map.
	JSON []byte

	raw      map[string]json.RawMessage
	contents []*string   // sourcesContent, when present
	lines    [][]segment // by generated line (0-based), sorted by column
}

// segment is one mapping; columns and lines are 0-based, src and name are
// indexes (-1 when absent).
type segment struct {
	genCol, src, srcLine, srcCol, name int
}

// ParseSourceMap decodes a version 3 source map.
func ParseSourceMap(data []byte) (*SourceMap, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("source map: %w", err)
	}
	var m struct {
		Version  int       `json:"version"`
		Sources  []string  `json:"sources"`
		Names    []string  `json:"names"`
		Mappings string    `json:"mappings"`
		Contents []*string `json:"sourcesContent"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("source map: %w", err)
	}
	if m.Version != 3 {
		return nil, fmt.Errorf("source map: version %d, expected 3", m.Version)
	}
	lines, err := decodeMappings(m.Mappings, len(m.Sources), len(m.Names))
	if err != nil {
		return nil, err
	}
	return &SourceMap{Sources: m.Sources, Names: m.Names, JSON: data, raw: raw, contents: m.Contents, lines: lines}, nil
}

func decodeMappings(s string, nSources, nNames int) ([][]segment, error) {
	var lines [][]segment
	var src, srcLine, srcCol, name int // these accumulate across the whole map
	for lineNo, line := range strings.Split(s, ";") {
		var segs []segment
		genCol := 0 // resets on every line
		for _, field := range strings.Split(line, ",") {
			if field == "" {
				continue
			}
			vals, err := decodeVLQ(field)
			if err != nil {
				return nil, fmt.Errorf("source map: line %d: %w", lineNo+1, err)
			}
			genCol += vals[0]
			seg := segment{genCol: genCol, src: -1, name: -1}
			switch len(vals) {
			case 1:
			case 4, 5:
				src += vals[1]
				srcLine += vals[2]
				srcCol += vals[3]
				if src < 0 || src >= nSources {
					return nil, fmt.Errorf("source map: line %d: source index %d out of range", lineNo+1, src)
				}
				seg.src, seg.srcLine, seg.srcCol = src, srcLine, srcCol
				if len(vals) == 5 {
					name += vals[4]
					if name < 0 || name >= nNames {
						return nil, fmt.Errorf("source map: line %d: name index %d out of range", lineNo+1, name)
					}
					seg.name = name
				}
			default:
				return nil, fmt.Errorf("source map: line %d: segment %q has %d fields", lineNo+1, field, len(vals))
			}
			segs = append(segs, seg)
		}
		sort.SliceStable(segs, func(i, j int) bool { return segs[i].genCol < segs[j].genCol })
		lines = append(lines, segs)
	}
	return lines, nil
}

const base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// decodeVLQ decodes a segment's base64 VLQ values: five bits per digit,
// bit 6 continues, the lowest bit of each value is its sign.
func decodeVLQ(s string) ([]int, error) {
	var out []int
	shift, acc := 0, 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(base64Digits, s[i])
		if d < 0 {
			return nil, fmt.Errorf("invalid base64 VLQ digit %q", s[i])
		}
		acc += (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			if shift > 30 {
				return nil, errors.New("VLQ value too large")
			}
			continue
		}
		v := acc >> 1
		if acc&1 != 0 {
			v = -v
		}
		out = append(out, v)
		shift, acc = 0, 0
	}
	if shift != 0 {
		return nil, errors.New("truncated VLQ value")
	}
	return out, nil
}

// Lookup maps a position in the bundle to the original source. Lines and
// columns are 1-based on both sides, as in JavaScriptCore's stack traces.
// The mapping used is the last one at or before col on that line.
func (m *SourceMap) Lookup(line, col int) (source string, srcLine, srcCol int, name string, ok bool) {
	if m == nil || line < 1 || line > len(m.lines) {
		return "", 0, 0, "", false
	}
	segs := m.lines[line-1]
	i := sort.Search(len(segs), func(i int) bool { return segs[i].genCol > col-1 }) - 1
	if i < 0 || segs[i].src < 0 {
		return "", 0, 0, "", false
	}
	s := segs[i]
	if s.name >= 0 {
		name = m.Names[s.name]
	}
	return m.Sources[s.src], s.srcLine + 1, s.srcCol + 1, name, true
}

// sourceLine returns line (1-based) of a source's embedded content.
func (m *SourceMap) sourceLine(source string, line int) string {
	i := slices.Index(m.Sources, source)
	if i < 0 || i >= len(m.contents) || m.contents[i] == nil {
		return ""
	}
	lines := strings.Split(*m.contents[i], "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return strings.TrimSuffix(lines[line-1], "\r")
}

var stackFrame = lazyregexp.New(`^(\s*)(.*@)?(.+):(\d+):(\d+)$`)

// v8Frame is a frame as console.error prints it ("    at fn (file:1:2)").
var v8Frame = lazyregexp.New(`^(\s*at (?:.* \()?)(.+):(\d+):(\d+)(\)?)$`)

// RewriteStack maps the frames of a JavaScriptCore stack trace that point
// into the bundle (url is the name the bundle was evaluated under, such as
// "worker.js") back to the sources: "fetch@worker.js:40:12" becomes
// "fetch@src/index.ts:12:5"; console's "at fetch (worker.js:40:12)" frames
// likewise. Other lines are kept as they are.
func (m *SourceMap) RewriteStack(stack, url string) string {
	lines := strings.Split(stack, "\n")
	for i, l := range lines {
		if v := v8Frame.FindStringSubmatch(l); v != nil {
			if v[2] != url {
				continue
			}
			line, _ := strconv.Atoi(v[3])
			col, _ := strconv.Atoi(v[4])
			if src, sl, sc, _, ok := m.Lookup(line, col); ok {
				lines[i] = fmt.Sprintf("%s%s:%d:%d%s", v[1], src, sl, sc, v[5])
			}
			continue
		}
		f := stackFrame.FindStringSubmatch(l)
		if f == nil || f[3] != url {
			continue
		}
		line, _ := strconv.Atoi(f[4])
		col, _ := strconv.Atoi(f[5])
		src, sl, sc, _, ok := m.Lookup(line, col)
		if !ok {
			continue
		}
		lines[i] = fmt.Sprintf("%s%s%s:%d:%d", f[1], f[2], src, sl, sc)
	}
	return strings.Join(lines, "\n")
}

// normalizeSources makes source paths relative to dir with forward slashes
// and keeps JSON in step.
func (m *SourceMap) normalizeSources(dir string) {
	for i, s := range m.Sources {
		if name, ok := strings.CutPrefix(s, nsNode+":"); ok {
			m.Sources[i] = name // a runtime built-in such as node:buffer
			continue
		}
		s = strings.TrimPrefix(s, nsBytes+":")
		p := filepath.FromSlash(s)
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		m.Sources[i] = relTo(dir, p)
	}
	if m.raw == nil {
		return
	}
	m.raw["sources"], _ = json.Marshal(m.Sources)
	delete(m.raw, "sourceRoot")
	if data, err := json.Marshal(m.raw); err == nil {
		m.JSON = data
	}
}

package runtime

import (
	"fmt"
	"strings"
	"testing"
)

// bundleOfSize is a module worker padded with functions (as a bundler's
// output of a few libraries would be) to about n bytes.
func bundleOfSize(n int) string {
	var b strings.Builder
	b.WriteString("const lib = {};\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "lib.f%d = function (a, b) { const o = { k: %q, n: a + b * %d }; return JSON.stringify(o) + String(a ?? b); };\n", i, strings.Repeat("x", 40), i)
	}
	b.WriteString(benchHello)
	return b.String()
}

// BenchmarkNewInstance is the start of one more instance: a fresh VM with
// the prelude and the worker's bundle evaluated (what a worker's first
// request waits for when it holds no VM). "spare" is the start when a spare
// instance is ready (KeepSpare, as outpost serve keeps one): the time to
// make the next spare is left out, as it runs while the server waits for
// its next start.
func BenchmarkNewInstance(b *testing.B) {
	for _, c := range []struct {
		name string
		code string
	}{{"hello", benchHello}, {"100KB", bundleOfSize(100 << 10)}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := &Config{Name: "bench", Script: Script{Code: c.code, URL: "bench.js", Modules: true}, Host: &Host{}}
			for b.Loop() {
				in, err := NewInstance(cfg)
				if err != nil {
					b.Fatal(err)
				}
				in.Close()
			}
		})
		b.Run(c.name+"/spare", func(b *testing.B) {
			exts := spareExtensions("bench-spare")
			KeepSpare(exts)
			cfg := &Config{Name: "bench", Script: Script{Code: c.code, URL: "bench.js", Modules: true}, Host: &Host{Extensions: exts}}
			for b.Loop() {
				b.StopTimer()
				waitForSpare(b, exts)
				b.StartTimer()
				in, err := NewInstance(cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				in.Close()
				b.StartTimer()
			}
		})
	}
}

package runtime

import (
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
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

// BenchmarkInstanceMemory reports the private memory one more instance
// costs (Linux: RssAnon of this process before and after making 50, each
// collected in full), for an empty VM and for a hello-world worker; run it
// with -benchtime 1x.
func BenchmarkInstanceMemory(b *testing.B) {
	if _, ok := privateMemory(); !ok {
		b.Skip("needs /proc/self/status")
	}
	const n = 50
	measure := func(b *testing.B, make func() (close func())) {
		var closers []func()
		defer func() {
			for _, c := range closers {
				c()
			}
		}()
		closers = append(closers, make()) // the engine's first VM sets up what all share
		settle := func() int64 {
			goruntime.GC()
			debug.FreeOSMemory()
			time.Sleep(300 * time.Millisecond)
			m, _ := privateMemory()
			return m
		}
		before := settle()
		for i := 0; i < n; i++ {
			closers = append(closers, make())
		}
		after := settle()
		b.ReportMetric(float64(after-before)/n/(1<<20), "MiB/instance")
	}
	b.Run("empty-VM", func(b *testing.B) {
		measure(b, func() func() {
			vm, err := jsc.New(jsc.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return vm.Close
		})
	})
	b.Run("hello", func(b *testing.B) {
		var st jsc.HeapStats
		measure(b, func() func() {
			in, err := NewInstance(&Config{Name: "bench", Script: Script{Code: benchHello, URL: "bench.js", Modules: true}, Host: &Host{}})
			if err != nil {
				b.Fatal(err)
			}
			in.vm.Run(func(c *jsc.Context) error { c.GC(); st = c.HeapStats(); return nil })
			return in.Close
		})
		// The JavaScript heap of one instance: live bytes, the blocks
		// holding them, what its objects own outside it, and how many.
		b.ReportMetric(float64(st.HeapSize)/1e6, "heap-live-MB")
		b.ReportMetric(float64(st.HeapCapacity)/1e6, "heap-blocks-MB")
		b.ReportMetric(float64(st.ExtraMemory)/1e6, "heap-extra-MB")
		b.ReportMetric(float64(st.ObjectCount), "heap-objects")
	})
}

// privateMemory is this process's private resident memory (RssAnon).
func privateMemory() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// BenchmarkPreludeStart splits what a blank instance costs: making a VM,
// parsing the core of the prelude (a syntax check of its source, which
// evaluation repeats), and making a blank instance whole (a VM, the core
// ops and the prelude evaluated). What a cold start pays before a worker's
// own script runs; JavaScriptCore's C API can neither snapshot a heap nor
// cache bytecode, so each new VM pays it again.
func BenchmarkPreludeStart(b *testing.B) {
	p, err := preludeFor(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("VM", func(b *testing.B) {
		for b.Loop() {
			vm, err := jsc.New(jsc.Options{})
			if err != nil {
				b.Fatal(err)
			}
			vm.Close()
		}
	})
	b.Run("parse", func(b *testing.B) {
		vm, err := jsc.New(jsc.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer vm.Close()
		for b.Loop() {
			if err := vm.Run(func(c *jsc.Context) error { return c.CheckSyntax(p.Core, "outpost:prelude.js") }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(p.Core))/1024, "KB")
	})
	b.Run("blank-instance", func(b *testing.B) {
		for b.Loop() {
			in, err := newBlank(p, "")
			if err != nil {
				b.Fatal(err)
			}
			in.Close()
		}
	})
}

package jsc

import (
	"fmt"
	"strings"
	"testing"
)

// benchVM runs f b.N times inside one task on a VM prepared by setup.
func benchVM(b *testing.B, setup string, f func(c *Context, fn Value) error) {
	vm := newVM(b, Options{})
	err := vm.Run(func(c *Context) error {
		g := c.Global()
		g.Set("echo", c.Function("echo", func(call *Call) (Value, error) { return call.Arg(0), nil }))
		g.Set("echoString", c.Function("echoString", func(call *Call) (Value, error) {
			return call.Ctx.String(call.Arg(0).String()), nil
		}))
		// A host op of the usual shape: reads its arguments, builds an
		// object of a few properties (a dozen calls into the engine).
		g.Set("makeEntry", c.Function("makeEntry", func(call *Call) (Value, error) {
			c := call.Ctx
			o := c.Object()
			o.Set("name", c.String(call.Arg(0).String()))
			o.Set("size", c.Number(call.Arg(1).Float()))
			o.Set("ok", c.Bool(true))
			o.Set("kind", c.String("file"))
			return o, nil
		}))
		g.Set("echoBytes", c.Function("echoBytes", func(call *Call) (Value, error) {
			in, _ := call.Arg(0).BytesView()
			return call.Ctx.Bytes(in)
		}))
		fn, err := c.Eval(setup, "bench.js")
		if err != nil {
			return err
		}
		// Kept, because the loops below release their scope as they go.
		h := fn.Keep()
		defer h.Release()
		b.ResetTimer()
		return f(c, h.Value())
	})
	if err != nil {
		b.Fatal(err)
	}
}

// Go calls JavaScript, which calls back into Go, b.N times.
func BenchmarkEmptyCallRoundTrip(b *testing.B) {
	benchVM(b, "(function(){ return echo(1) })", func(c *Context, fn Value) error {
		for i := 0; i < b.N; i++ {
			if _, err := fn.Call(c.Undefined()); err != nil {
				return err
			}
			if i%1024 == 0 {
				c.vm.releaseScope(0)
			}
		}
		return nil
	})
}

// JavaScript calls Go with no arguments crossing: the host-call cost alone.
func BenchmarkHostCallFromJS(b *testing.B) {
	benchVM(b, "(function(n){ for (let i = 0; i < n; i++) echo(i) })", func(c *Context, fn Value) error {
		_, err := fn.Call(c.Undefined(), c.Number(float64(b.N)))
		return err
	})
}

// JavaScript calls a Go op that makes about a dozen calls into the engine.
func BenchmarkHostOpFromJS(b *testing.B) {
	benchVM(b, "(function(n){ let t = 0; for (let i = 0; i < n; i++) t += makeEntry('a.txt', i).size; return t })", func(c *Context, fn Value) error {
		_, err := fn.Call(c.Undefined(), c.Number(float64(b.N)))
		return err
	})
}

func BenchmarkStringRoundTrip(b *testing.B) {
	s := strings.Repeat("hello, world ", 8) // ~100 bytes
	b.SetBytes(int64(len(s)))
	benchVM(b, "(function(s){ return echoString(s) })", func(c *Context, fn Value) error {
		for i := 0; i < b.N; i++ {
			v, err := fn.Call(c.Undefined(), c.String(s))
			if err != nil {
				return err
			}
			if len(v.String()) != len(s) {
				return fmt.Errorf("bad length")
			}
			if i%1024 == 0 {
				c.vm.releaseScope(0)
			}
		}
		return nil
	})
}

func BenchmarkBuffer64KRoundTrip(b *testing.B) {
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	benchVM(b, "(function(u8){ return echoBytes(u8) })", func(c *Context, fn Value) error {
		for i := 0; i < b.N; i++ {
			in, err := c.Bytes(buf)
			if err != nil {
				return err
			}
			out, err := fn.Call(c.Undefined(), in)
			if err != nil {
				return err
			}
			if got, _ := out.BytesView(); len(got) != len(buf) {
				return fmt.Errorf("bad length %d", len(got))
			}
			if i%256 == 0 {
				c.vm.releaseScope(0)
			}
		}
		return nil
	})
}

// A 200 KB script: many small functions and object literals, as a bundled
// worker with its dependencies looks.
func bundle200K() string {
	var sb strings.Builder
	for i := 0; sb.Len() < 200<<10; i++ {
		fmt.Fprintf(&sb, "function f%d(a, b) { const o = { id: %d, name: 'item%d', tags: ['x', 'y'] }; return a ? o.id + b : o.name.length; }\n", i, i, i)
	}
	sb.WriteString("var __outpost_entry = { default: { fetch() { return f1(1, 2) } } };\n")
	return sb.String()
}

func BenchmarkNewVMAndEval200KB(b *testing.B) {
	src := bundle200K()
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		vm, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		err = vm.Run(func(c *Context) error {
			_, err := c.Eval(src, "worker.js")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		vm.Close()
	}
}

// A 12.5 KB string built as React's renderToString builds its HTML, by
// concatenating short pieces (a rope until read), read into Go: the
// response body of a server-rendered page. read=false is the making alone.
func BenchmarkRopeStringBytes(b *testing.B) {
	const makeRope = `(function(){
		let s = "<!doctype html><table>";
		for (let i = 0; i < 200; i++) s += "<tr><td>" + i + "</td><td>Item " + i + "</td><td>" + (i * 3.7).toFixed(2) + "</td></tr>";
		return s + "</table>";
	})`
	for _, read := range []bool{false, true} {
		b.Run(fmt.Sprint("read=", read), func(b *testing.B) {
			benchVM(b, makeRope, func(c *Context, fn Value) error {
				for i := 0; i < b.N; i++ {
					v, err := fn.Call(c.Undefined())
					if err != nil {
						return err
					}
					if read {
						if buf := v.StringBytes(); len(buf) < 10000 {
							return fmt.Errorf("got %d bytes", len(buf))
						}
					}
					if i%1024 == 0 {
						c.vm.releaseScope(0)
					}
				}
				return nil
			})
		})
	}
}

// The bytes of a flat 16 KB ASCII string: the conversion alone.
func BenchmarkStringBytesASCII(b *testing.B) {
	benchVM(b, `(function(){ return "<td>0123456789</td>".repeat(800) + "x".repeat(800) + "" })()`, func(c *Context, s Value) error {
		b.SetBytes(16000)
		for i := 0; i < b.N; i++ {
			if buf := s.StringBytes(); len(buf) != 16000 {
				return fmt.Errorf("got %d bytes", len(buf))
			}
		}
		return nil
	})
}

package jsc

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newVM(t testing.TB, opts Options) *VM {
	t.Helper()
	vm, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vm.Close)
	return vm
}

// evalCase is a script and the string its value converts to.
type evalCase struct{ src, want string }

// evalCases evaluates each case in turn, in one context (a case may use
// what an earlier one defined).
func evalCases(t *testing.T, c *Context, file string, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		v, err := c.Eval(tc.src, file)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := v.String(); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func run(t testing.TB, vm *VM, f func(c *Context) error) {
	t.Helper()
	if err := vm.Run(f); err != nil {
		t.Fatal(err)
	}
}

func TestConversions(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		cases := []evalCase{
			{"1+2", "3"}, {"'a'+'b'", "ab"}, {"null", "null"}, {"undefined", "undefined"},
			{"true", "true"}, {"'héllo 🌍'", "héllo 🌍"}, {"'a\\u0000b'", "a\x00b"}, {"'\\ud800x'", "\uFFFDx"},
		}
		evalCases(t, c, "conv.js", cases)
		for _, s := range []string{"", "plain", "héllo 🌍", "nul\x00byte", strings.Repeat("x", 100000)} {
			if got := c.String(s).String(); got != s {
				t.Errorf("string round trip %q -> %q", s[:min(len(s), 20)], got[:min(len(got), 20)])
			}
		}
		if got := c.String("bad\xffutf8").String(); got != "bad\uFFFDutf8" {
			t.Errorf("invalid UTF-8 -> %q", got)
		}
		if f := c.Number(2.5).Float(); f != 2.5 {
			t.Errorf("number = %v", f)
		}
		if !c.Bool(true).Bool() || c.Bool(false).Bool() {
			t.Error("bool round trip")
		}
		if !c.Null().IsNull() || !c.Undefined().IsUndefined() {
			t.Error("null/undefined")
		}
		obj := c.Object()
		if err := obj.Set("a", c.Number(1)); err != nil {
			return err
		}
		arr, err := c.Array(c.String("x"), c.Number(2), c.Null())
		if err != nil {
			return err
		}
		if err := obj.Set("list", arr); err != nil {
			return err
		}
		js, err := obj.JSON(0)
		if err != nil {
			return err
		}
		if js != `{"a":1,"list":["x",2,null]}` {
			t.Errorf("JSON = %s", js)
		}
		parsed, err := c.ParseJSON(`{"k":[1,{"z":"ü"}]}`)
		if err != nil {
			return err
		}
		if got := parsed.Get("k").Index(1).Get("z").String(); got != "ü" {
			t.Errorf("parsed = %q", got)
		}
		if _, err := c.ParseJSON(`{bad`); err == nil {
			t.Error("bad JSON accepted")
		}
		if keys := parsed.Keys(); len(keys) != 1 || keys[0] != "k" {
			t.Errorf("keys = %v", keys)
		}
		if arr.Len() != 3 || !arr.IsArray() {
			t.Error("array length")
		}
		return nil
	})
}

// The bytes of a string whose first unit that is not ASCII sits at every
// offset around the conversion's four-unit steps: an accented letter, a
// surrogate pair and lone surrogates (which become U+FFFD).
func TestStringBytesAtEveryOffset(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		f, err := c.Eval(`(function(n, at, s){ return "a".repeat(at) + s + "b".repeat(n - at) })`, "offsets.js")
		if err != nil {
			return err
		}
		for _, unit := range []struct{ js, want string }{
			{`é`, "é"}, {`\u{1F30D}`, "🌍"}, {`\ud800`, "\uFFFD"}, {`\udc00x`, "\uFFFDx"}, {``, ""},
		} {
			js, err := c.Eval(`"`+unit.js+`"`, "unit.js")
			if err != nil {
				return err
			}
			for n := 0; n < 12; n++ {
				for at := 0; at <= n; at++ {
					v, err := f.Call(c.Undefined(), c.Number(float64(n)), c.Number(float64(at)), js)
					if err != nil {
						return err
					}
					want := strings.Repeat("a", at) + unit.want + strings.Repeat("b", n-at)
					if got := string(v.StringBytes()); got != want {
						t.Errorf("%q at %d of %d: got %q, want %q", unit.js, at, n, got, want)
					}
				}
			}
		}
		return nil
	})
}

func TestHostFunctions(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		add := c.Function("add", func(call *Call) (Value, error) {
			return call.Ctx.Number(call.Arg(0).Float() + call.Arg(1).Float()), nil
		})
		fail := c.Function("fail", func(call *Call) (Value, error) {
			return Value{}, TypeError("bad argument %d", 7)
		})
		plain := c.Function("plain", func(call *Call) (Value, error) {
			return Value{}, errors.New("plain failure")
		})
		boom := c.Function("boom", func(call *Call) (Value, error) { panic("kaput") })
		g := c.Global()
		g.Set("add", add)
		g.Set("fail", fail)
		g.Set("plain", plain)
		g.Set("boom", boom)
		v, err := c.Eval(`[add(2, 3), add.call(null, 1, 1), typeof add, add.name,
			(()=>{ try { fail() } catch (e) { return e instanceof TypeError && e.message } })(),
			(()=>{ try { plain() } catch (e) { return e.constructor.name + ':' + e.message } })(),
			(()=>{ try { boom() } catch (e) { return e.message === 'internal error in a host function' } })(),
		].join('|')`, "host.js")
		if err != nil {
			return err
		}
		if got, want := v.String(), "5|2|function|add|bad argument 7|Error:plain failure|true"; got != want {
			t.Errorf("got %q want %q", got, want)
		}
		return nil
	})
}

func TestExceptions(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		_, err := c.Eval("function f() { throw new RangeError('too far') }\nf()", "file:///src/thrower.js")
		var je *Error
		if !errors.As(err, &je) {
			t.Fatalf("err = %v", err)
		}
		if je.Name != "RangeError" || je.Message != "too far" || !strings.Contains(je.Stack, "thrower.js:1") {
			t.Errorf("error = %+v", je)
		}
		// Rethrowing keeps identity.
		c.Global().Set("rethrow", c.Function("rethrow", func(call *Call) (Value, error) {
			_, err := call.Arg(0).Call(call.Ctx.Undefined())
			return Value{}, err
		}))
		v, err := c.Eval(`const o = {tag: 42}; let caught; try { rethrow(() => { throw o }) } catch (e) { caught = e } caught === o`, "id.js")
		if err != nil {
			return err
		}
		if !v.Bool() {
			t.Error("rethrown value lost its identity")
		}
		_, err = c.Eval("throw 'just a string'", "s.js")
		if err == nil || err.Error() != "just a string" {
			t.Errorf("primitive throw = %v", err)
		}
		if err := c.CheckSyntax("let x = ;", "syntax.js"); err == nil || !strings.Contains(err.Error(), "SyntaxError") {
			t.Errorf("syntax = %v", err)
		}
		return nil
	})
}

func TestBytesNoCopy(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		v, buf, err := c.NewBytes(4)
		if err != nil {
			return err
		}
		copy(buf, []byte{1, 2, 3, 4})
		c.Global().Set("u8", v)
		sum, err := c.Eval("u8[0] = 9; u8.reduce((a, b) => a + b, 0) + ':' + (u8 instanceof Uint8Array)", "b.js")
		if err != nil {
			return err
		}
		if sum.String() != "18:true" {
			t.Errorf("sum = %s", sum.String())
		}
		if buf[0] != 9 {
			t.Error("Go does not see the write from JavaScript: memory is not shared")
		}
		// Views with offsets, ArrayBuffers and DataViews.
		for src, want := range map[string]string{
			"new Uint8Array([5,6,7,8]).subarray(1, 3)":                     "\x06\x07",
			"new Uint8Array([1,2,3]).buffer":                               "\x01\x02\x03",
			"new DataView(new Uint8Array([1,2,3,4]).buffer, 2)":            "\x03\x04",
			"new Uint16Array([0x4241])":                                    "AB",
			"new TextEncoderLike('hi')":                                    "",
			"new Uint8Array(0)":                                            "",
			"new Uint32Array(new Uint8Array([1,0,0,0,2,0,0,0]).buffer, 4)": "\x02\x00\x00\x00",
		} {
			if strings.Contains(src, "TextEncoderLike") {
				continue
			}
			val, err := c.Eval(src, "views.js")
			if err != nil {
				return err
			}
			b, ok := val.BytesView()
			if !ok || string(b) != want {
				t.Errorf("%s: %q %v, want %q", src, b, ok, want)
			}
		}
		if _, ok := c.String("x").BytesView(); ok {
			t.Error("a string is not bytes")
		}
		ab, abuf, err := c.NewArrayBuffer(3)
		if err != nil {
			return err
		}
		copy(abuf, "xyz")
		c.Global().Set("ab", ab)
		s, err := c.Eval("String.fromCharCode(...new Uint8Array(ab)) + (ab instanceof ArrayBuffer)", "ab.js")
		if err != nil {
			return err
		}
		if s.String() != "xyztrue" {
			t.Errorf("arraybuffer = %s", s.String())
		}
		return nil
	})
}

func TestPromisesFromGo(t *testing.T) {
	vm := newVM(t, Options{})
	results := make(chan string, 4)
	run(t, vm, func(c *Context) error {
		c.Global().Set("report", c.Function("report", func(call *Call) (Value, error) {
			results <- call.Arg(0).String()
			return call.Ctx.Undefined(), nil
		}))
		// An async op: the promise is settled later, from another goroutine,
		// through the event-loop contract.
		c.Global().Set("later", c.Function("later", func(call *Call) (Value, error) {
			d, p, err := call.Ctx.NewPromise()
			if err != nil {
				return Value{}, err
			}
			fail := call.Arg(1).Bool()
			word := call.Arg(0).String()
			enqueue := vm.RegisterCallback()
			go func() {
				time.Sleep(5 * time.Millisecond)
				enqueue(func(c *Context) {
					if fail {
						d.RejectError(TypeError("failed: %s", word))
					} else {
						d.Resolve(c.String(word + "!"))
					}
				})
			}()
			return p, nil
		}))
		_, err := c.Eval(`
			(async () => { report(await later('one', false)) })();
			later('two', true).catch(e => report(e.name + ' ' + e.message));`, "p.js")
		return err
	})
	got := map[string]bool{}
	for i := 0; i < 2; i++ {
		select {
		case s := <-results:
			got[s] = true
		case <-time.After(5 * time.Second):
			t.Fatal("promise never settled")
		}
	}
	if !got["one!"] || !got["TypeError failed: two"] {
		t.Errorf("results = %v", got)
	}
	if vm.Pending() != 0 {
		t.Errorf("pending = %d", vm.Pending())
	}
	// Go observing a JavaScript promise.
	done := make(chan string, 1)
	run(t, vm, func(c *Context) error {
		p, err := c.Eval("Promise.resolve(41).then(x => x + 1)", "then.js")
		if err != nil {
			return err
		}
		return p.Then(func(v Value) { done <- v.String() }, func(v Value) { done <- "rejected" })
	})
	if v := <-done; v != "42" {
		t.Errorf("then = %s", v)
	}
	run(t, vm, func(c *Context) error {
		p, _ := c.Eval("Promise.reject(new Error('no'))", "rej.js")
		return p.Then(func(v Value) { done <- "fulfilled" }, func(v Value) { done <- v.Get("message").String() })
	})
	if v := <-done; v != "no" {
		t.Errorf("rejection = %s", v)
	}
}

// CallThen settles a result that is not a thenable within the call, and a
// promise's only after a promise turn. The calls run inside a host function,
// where no microtask checkpoint follows a call into JavaScript, so "within
// the call" is seen apart from "at the end of the task".
func TestCallThenSettlesPlainResultsAtOnce(t *testing.T) {
	vm := newVM(t, Options{})
	var log []string
	run(t, vm, func(c *Context) error {
		c.Global().Set("probe", c.Function("probe", func(call *Call) (Value, error) {
			for i, fn := range call.Args {
				name := fmt.Sprint(i)
				err := fn.CallThen(call.Ctx.Undefined(), nil,
					func(v Value) { log = append(log, name+" fulfilled "+v.String()) },
					func(v Value) { log = append(log, name+" rejected "+v.Get("message").String()) })
				if err != nil {
					return Value{}, err
				}
				log = append(log, name+" returned")
			}
			return call.Ctx.Undefined(), nil
		}))
		_, err := c.Eval(`probe(
			() => 7,
			() => { throw new Error("thrown") },
			() => Promise.resolve(8),
			() => ({ then(ok) { ok(9) } }),
			() => null,
		)`, "callthen.js")
		return err
	})
	want := []string{
		"0 fulfilled 7", "0 returned",
		"1 rejected thrown", "1 returned",
		"2 returned",
		"3 returned",
		"4 fulfilled null", "4 returned",
		"2 fulfilled 8", "3 fulfilled 9",
	}
	if strings.Join(log, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n got %q\nwant %q", log, want)
	}
}

func TestMicrotasksDrainAfterEachEntry(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		if _, err := c.Eval("globalThis.order = []; Promise.resolve().then(() => order.push('micro')); order.push('sync')", "m.js"); err != nil {
			return err
		}
		return nil
	})
	run(t, vm, func(c *Context) error {
		v, _ := c.Eval("order.join(',')", "m2.js")
		if v.String() != "sync,micro" {
			t.Errorf("order = %s", v.String())
		}
		return nil
	})
}

func TestUnhandledRejection(t *testing.T) {
	got := make(chan string, 1)
	vm := newVM(t, Options{OnUnhandledRejection: func(c *Context, reason Value) {
		got <- reason.Get("message").String()
	}})
	run(t, vm, func(c *Context) error {
		_, err := c.Eval("Promise.reject(new Error('nobody listens')); Promise.reject(new Error('handled')).catch(() => {})", "u.js")
		return err
	})
	select {
	case m := <-got:
		if m != "nobody listens" {
			t.Errorf("reported %q", m)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("unhandled rejection not reported")
	}
	select {
	case m := <-got:
		t.Errorf("handled rejection reported too: %q", m)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestTimeLimit(t *testing.T) {
	vm := newVM(t, Options{TimeLimit: 200 * time.Millisecond})
	start := time.Now()
	err := vm.Run(func(c *Context) error {
		_, err := c.Eval("while (true) {}", "loop.js")
		return err
	})
	var te *TerminatedError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if !vm.Terminated() {
		t.Error("VM not marked terminated")
	}
	// A loop inside a microtask is stopped too.
	vm2 := newVM(t, Options{TimeLimit: 200 * time.Millisecond})
	err = vm2.Run(func(c *Context) error {
		_, err := c.Eval("Promise.resolve().then(() => { for(;;){} }); 1", "microloop.js")
		return err
	})
	if !vm2.Terminated() {
		t.Errorf("microtask loop not stopped (err = %v)", err)
	}
	// The process is healthy: a fresh VM works.
	vm3 := newVM(t, Options{TimeLimit: time.Second})
	run(t, vm3, func(c *Context) error {
		v, err := c.Eval("6*7", "ok.js")
		if err == nil && v.Int() != 42 {
			t.Error("fresh VM broken")
		}
		return err
	})
}

func TestHeapStatsAndGC(t *testing.T) {
	vm := newVM(t, Options{})
	var before, mid, after HeapStats
	// Separate tasks: a value returned to Go stays alive until its task ends.
	run(t, vm, func(c *Context) error { c.GC(); before = c.HeapStats(); return nil })
	run(t, vm, func(c *Context) error {
		_, err := c.Eval("globalThis.big = Array.from({length: 200000}, (_, i) => ({i})); 0", "big.js")
		return err
	})
	run(t, vm, func(c *Context) error { c.GC(); mid = c.HeapStats(); return nil })
	run(t, vm, func(c *Context) error { _, err := c.Eval("globalThis.big = null; 0", "free.js"); return err })
	// The collector scans the thread's stack conservatively: a stale copy
	// of the array's address in a stack slot keeps it alive. Calls that
	// overwrite the stack between tries clear such slots.
	for try := 0; try < 5; try++ {
		run(t, vm, func(c *Context) error {
			_, err := c.Eval("(function scrub(n) { const pad = [n, n, n, n]; return n ? scrub(n - 1) + pad.length : 0 })(500)", "scrub.js")
			c.GC()
			after = c.HeapStats()
			return err
		})
		if after.HeapSize < mid.HeapSize/2 {
			break
		}
	}
	if mid.HeapSize <= before.HeapSize || mid.ObjectCount < 200000 {
		t.Errorf("heap did not grow: %+v -> %+v", before, mid)
	}
	if after.HeapSize >= mid.HeapSize/2 {
		t.Errorf("GC freed too little: %+v -> %+v", mid, after)
	}
}

func TestSignalsSafeForGo(t *testing.T) {
	newVM(t, Options{})
	changes := SignalChanges()
	t.Logf("JavaScriptCore installed handlers for signals: %+v", changes)
	for _, ch := range changes {
		installed, onStack := SignalFlags(ch.Signal)
		if installed && !onStack {
			t.Errorf("signal %d handler lacks SA_ONSTACK", ch.Signal)
		}
		if ch.Signal == int(syscall.SIGURG) {
			t.Errorf("JavaScriptCore took signal %d, which Go needs", ch.Signal)
		}
	}
	// Go's own signal machinery still works: a nil dereference is a
	// recoverable panic (JavaScriptCore's fault handler passes faults
	// outside Wasm on to Go's), on a goroutine, on a locked thread and
	// inside a host function JavaScript calls; goroutines are preempted
	// (SIGURG).
	nilDeref := func() (panicked bool) {
		defer func() { panicked = recover() != nil }()
		var p *int
		_ = *p
		return false
	}
	if !nilDeref() {
		t.Error("nil dereference did not panic")
	}
	locked := make(chan bool)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		locked <- nilDeref()
	}()
	if !<-locked {
		t.Error("nil dereference on a locked thread did not panic")
	}
	vm := newVM(t, Options{})
	inHost := false
	run(t, vm, func(c *Context) error {
		c.Global().Set("deref", c.Function("deref", func(call *Call) (Value, error) {
			inHost = nilDeref()
			return call.Ctx.Undefined(), nil
		}))
		_, err := c.Eval("deref()", "deref.js")
		return err
	})
	if !inHost {
		t.Error("nil dereference inside a host function did not panic")
	}
	stop := make(chan bool)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	done := make(chan bool)
	go func() { time.Sleep(10 * time.Millisecond); done <- true }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("goroutine starved: preemption broken")
	}
	close(stop)
}

func TestCloseAndOffThreadRun(t *testing.T) {
	vm, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan bool, 1)
	vm.Enqueue(func(c *Context) { ran <- true })
	vm.Close()
	select {
	case <-ran:
	default:
		t.Error("task queued before Close was dropped")
	}
	if err := vm.Enqueue(func(c *Context) {}); err != ErrClosed {
		t.Errorf("enqueue after close = %v", err)
	}
	if err := vm.Run(func(c *Context) error { return nil }); err != ErrClosed {
		t.Errorf("run after close = %v", err)
	}
}

// Numbers, booleans, null and undefined are recognised as values that are
// not heap cells; strings and objects are protected.
func TestImmediatesAreNotCells(t *testing.T) {
	vm := newVM(t, Options{})
	vm.Run(func(c *Context) error {
		if !immediates {
			t.Error("the value encoding check failed on this platform: every value is protected")
			return nil
		}
		for _, v := range []Value{c.Number(1.5), c.Number(-3), c.Bool(true), c.Null(), c.Undefined()} {
			if !isImmediate(v.ref) {
				t.Errorf("%v taken for a heap cell", v.String())
			}
		}
		for _, v := range []Value{c.String("x"), c.Object()} {
			if isImmediate(v.ref) {
				t.Errorf("%v taken for an immediate", v.String())
			}
		}
		return nil
	})
}

// A Wasm module whose one function loads an i32 from its one page of
// memory at the address it is given.
const wasmLoad = "new Uint8Array([0,97,115,109,1,0,0,0, 1,6,1,96,1,127,1,127, 3,2,1,0, 5,3,1,0,1, 7,5,1,1,102,0,0, 10,9,1,7,0,32,0,40,2,0,11])"

// TestWasmMemory: with JavaScriptCore's Wasm fault handler, an access past
// a memory's end is WebAssembly's RuntimeError (the handler turns the
// fault into the trap), and shared memory gives a SharedArrayBuffer, as on
// workerd.
func TestWasmMemory(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		cases := []evalCase{
			{"const inst = new WebAssembly.Instance(new WebAssembly.Module(" + wasmLoad + ")); inst.exports.f(8)", "0"},
			{"try { inst.exports.f(65536); 'no trap' } catch (e) { e.constructor.name + ': ' + e.message.slice(0, 27) }", "RuntimeError: Out of bounds memory access"},
			// Hot enough for the optimising tiers, whose bounds checks are
			// the fault handler's.
			{"let sum = 0; for (let i = 0; i < 2000000; i++) sum += inst.exports.f(i & 0xfffc); String(sum)", "0"},
			{"try { inst.exports.f(1 << 30); 'no trap' } catch (e) { e.constructor.name + ': ' + e.message.slice(0, 27) }", "RuntimeError: Out of bounds memory access"},
			{"inst.exports.f(65532)", "0"},
			{"Object.prototype.toString.call(new WebAssembly.Memory({ shared: true, initial: 1, maximum: 2 }).buffer)", "[object SharedArrayBuffer]"},
			{"new WebAssembly.Memory({ shared: true, initial: 0, maximum: 0 }).buffer.constructor.name", "SharedArrayBuffer"},
		}
		evalCases(t, c, "wasm.js", cases)
		return nil
	})
}

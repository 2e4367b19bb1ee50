package jsc

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoak runs many VMs on their threads with calls in both directions,
// garbage collection on both heaps and runaway scripts being stopped.
// OUTPOST_SOAK=1 selects the full size (a million calls); the default run
// does a smaller one.
func TestSoak(t *testing.T) {
	vms, calls := 8, 40_000
	if os.Getenv("OUTPOST_SOAK") != "" {
		vms, calls = 32, 1_000_000
	} else if testing.Short() {
		t.Skip("soak skipped in -short mode")
	}
	const perTask = 100
	rssStart := rssBytes()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, vms+1)
	stop := make(chan struct{})

	// Go-heap pressure and forced Go collections while calls are in flight.
	go func() {
		var junk [][]byte
		for {
			select {
			case <-stop:
				return
			default:
			}
			junk = append(junk, make([]byte, 64<<10))
			if len(junk) > 64 {
				junk = nil
				runtime.GC()
			}
			time.Sleep(time.Millisecond)
		}
	}()

	// Runaway scripts interrupted next to the healthy VMs (at least one,
	// however quickly the healthy VMs finish on a busy machine).
	var runaways atomic.Int64
	runawaysDone := make(chan struct{})
	go func() {
		defer close(runawaysDone)
		for first := true; ; first = false {
			if !first {
				select {
				case <-stop:
					return
				default:
				}
			}
			vm, err := New(Options{TimeLimit: 20 * time.Millisecond})
			if err != nil {
				errs <- err
				return
			}
			err = vm.Run(func(c *Context) error {
				_, err := c.Eval("for(;;){}", "runaway.js")
				return err
			})
			if !vm.Terminated() {
				errs <- fmt.Errorf("runaway not stopped: %v", err)
			}
			vm.Close()
			runaways.Add(1)
		}
	}()

	perVM := calls / vms
	for i := 0; i < vms; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			vm, err := New(Options{TimeLimit: 10 * time.Second})
			if err != nil {
				errs <- err
				return
			}
			defer vm.Close()
			err = vm.Run(func(c *Context) error {
				g := c.Global()
				// Go → JS bytes: a fresh Uint8Array filled by Go.
				g.Set("goBytes", c.Function("goBytes", func(call *Call) (Value, error) {
					n := int(call.Arg(0).Int())
					v, buf, err := call.Ctx.NewBytes(n)
					for k := range buf {
						buf[k] = byte(k)
					}
					return v, err
				}))
				// JS → Go bytes and a string, with Go-side allocation.
				g.Set("goCheck", c.Function("goCheck", func(call *Call) (Value, error) {
					b, ok := call.Arg(0).BytesView()
					if !ok || len(b) == 0 || b[0] != 0xAB {
						return Value{}, TypeError("bad bytes")
					}
					s := call.Arg(1).String()
					out := strings.ToUpper(s) + strconv.Itoa(len(bytes.Clone(b)))
					return call.Ctx.String(out), nil
				}))
				_, err := c.Eval(`function work(n) {
					let total = 0;
					for (let k = 0; k < n; k++) {
						const b = goBytes(256 + (k % 64));
						b[0] = 0xAB;
						const s = goCheck(b, "call-" + k + "-" + "x".repeat(k % 50));
						total += s.length + b.length;
						globalThis.keep = [{s, b}];
					}
					return total;
				}`, "soak.js")
				return err
			})
			if err != nil {
				errs <- err
				return
			}
			tasks := perVM / perTask / 2 // two host calls per iteration
			for task := 0; task < tasks; task++ {
				err := vm.Run(func(c *Context) error {
					if task%50 == 0 {
						c.GC()
					}
					v, err := c.Global().Get("work").Call(c.Undefined(), c.Number(perTask))
					if err != nil {
						return err
					}
					if v.Int() <= 0 {
						return fmt.Errorf("work returned %v", v.Int())
					}
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("vm %d: %w", i, err)
					return
				}
				done.Add(2 * perTask)
			}
		}(i)
	}
	wg.Wait()
	close(stop)
	<-runawaysDone
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	runtime.GC()
	rssEnd := rssBytes()
	t.Logf("soak: %d VMs, %d JS↔Go calls, %d runaway scripts stopped; RSS %d MiB at start, %d MiB at end",
		vms, done.Load(), runaways.Load(), rssStart>>20, rssEnd>>20)
	if done.Load() < int64(calls)*9/10 {
		t.Errorf("only %d calls done", done.Load())
	}
	if runaways.Load() == 0 {
		t.Error("no runaway script was stopped")
	}
}

// TestNoLeakAcrossVMs creates and closes VMs repeatedly: RSS must level off.
func TestNoLeakAcrossVMs(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	cycle := func(n int) {
		for i := 0; i < n; i++ {
			vm, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			vm.Run(func(c *Context) error {
				_, err := c.Eval("globalThis.x = Array.from({length: 10000}, (_, i) => 'v' + i).join()", "leak.js")
				return err
			})
			vm.Close()
		}
		runtime.GC()
	}
	cycle(50)
	warm := rssBytes()
	cycle(200)
	end := rssBytes()
	t.Logf("RSS after 50 VMs %d MiB, after 250 VMs %d MiB", warm>>20, end>>20)
	if end > warm+64<<20 {
		t.Errorf("RSS grew by %d MiB over 200 VM lifetimes", (end-warm)>>20)
	}
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

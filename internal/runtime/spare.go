package runtime

import (
	"sync"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// A worker's start is JavaScriptCore's set-up of a VM and the prelude's
// evaluation (about 20 ms together), then the worker's own script. Neither
// of the first two depends on the worker, so a spare instance can have
// them done ahead: NewInstance adopts it and only the script is left.

// spares are the spare instances, one slot per prelude.
var spares struct {
	mu    sync.Mutex
	slots map[*Prelude]*spareSlot
}

type spareSlot struct {
	keep bool             // make another whenever one is taken
	next chan spareResult // the spare being made or made; nil when none
}

type spareResult struct {
	in  *Instance
	err error
}

// Warm starts, in the background, what a worker's first instance waits
// for and that needs nothing from the worker: JavaScriptCore's
// initialisation, the prelude of exts (only their names and JavaScript
// matter) and one spare instance, which the first NewInstance with these
// extensions adopts. Calling it is never required.
func Warm(exts []Extension) { warm(exts, false) }

// KeepSpare is Warm, and keeps a spare ready from then on: each time
// NewInstance adopts one, the next is made in the background. A server
// that starts workers on demand calls it; it costs one idle VM.
func KeepSpare(exts []Extension) { warm(exts, true) }

func warm(exts []Extension, keep bool) {
	jsc.Warm()
	go func() {
		p, err := preludeFor(exts)
		if err != nil {
			return // NewInstance reports it
		}
		spares.mu.Lock()
		defer spares.mu.Unlock()
		if spares.slots == nil {
			spares.slots = map[*Prelude]*spareSlot{}
		}
		s := spares.slots[p]
		if s == nil {
			s = &spareSlot{}
			spares.slots[p] = s
		}
		s.keep = s.keep || keep
		if s.next == nil && !jsc.InspectorEnabled() {
			s.next = makeSpare(p)
		}
	}()
}

// makeSpare starts making a blank instance of prelude p.
func makeSpare(p *Prelude) chan spareResult {
	ch := make(chan spareResult, 1)
	go func() {
		in, err := newBlank(p, "")
		ch <- spareResult{in, err}
	}()
	return ch
}

// takeSpare returns the spare instance of prelude p, waiting for one still
// being made, or nil when there is none. A slot that keeps spares starts
// making the next once this one is made: one is made at a time, and
// instances started meanwhile are made by their callers, side by side.
func takeSpare(p *Prelude) *Instance {
	spares.mu.Lock()
	s := spares.slots[p]
	var ch chan spareResult
	if s != nil {
		ch, s.next = s.next, nil
	}
	spares.mu.Unlock()
	if ch == nil {
		return nil
	}
	r := <-ch
	spares.mu.Lock()
	if s.keep && s.next == nil && !jsc.InspectorEnabled() {
		s.next = makeSpare(p)
	}
	spares.mu.Unlock()
	if r.err != nil {
		return nil // made again by the caller, which reports the error
	}
	if jsc.InspectorEnabled() {
		// Made before the debugger was on: a debugger could not see it.
		r.in.Close()
		return nil
	}
	return r.in
}

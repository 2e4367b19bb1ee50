package jsc

/*
#include <signal.h>
#include <string.h>

static void outpost_sigaction(int sig, void** handler, int* flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigaction(sig, NULL, &sa);
	*handler = (void*)sa.sa_sigaction;
	*flags = sa.sa_flags;
}

// outpost_add_onstack re-installs a handler with SA_ONSTACK, which Go
// requires of every handler that may run on a thread Go created.
static int outpost_add_onstack(int sig) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	if (sigaction(sig, NULL, &sa) != 0) return -1;
	if (sa.sa_flags & SA_ONSTACK) return 0;
	sa.sa_flags |= SA_ONSTACK;
	return sigaction(sig, &sa, NULL);
}

static void outpost_reset_signal(int sig) { signal(sig, SIG_DFL); }
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

// SignalChange records a signal whose handler JavaScriptCore replaced.
type SignalChange struct {
	Signal int
	// HadOnStack is whether JavaScriptCore's handler carried SA_ONSTACK
	// before Outpost added it.
	HadOnStack bool
}

var (
	signalMu      sync.Mutex
	signalChanges []SignalChange
)

const maxSignal = 64

type sigState struct {
	handler unsafe.Pointer
	flags   int
}

func snapshotSignals() [maxSignal + 1]sigState {
	var out [maxSignal + 1]sigState
	for sig := 1; sig <= maxSignal; sig++ {
		var h unsafe.Pointer
		var f C.int
		C.outpost_sigaction(C.int(sig), &h, &f)
		out[sig] = sigState{h, int(f)}
	}
	return out
}

// auditSignals finds the handlers JavaScriptCore installed while it
// initialised and makes each of them safe for Go: a handler without
// SA_ONSTACK would run on a goroutine's small stack if the signal landed on
// a thread running Go code.
func auditSignals(before [maxSignal + 1]sigState) {
	after := snapshotSignals()
	signalMu.Lock()
	defer signalMu.Unlock()
	for sig := 1; sig <= maxSignal; sig++ {
		if after[sig].handler == before[sig].handler {
			continue
		}
		had := after[sig].flags&C.SA_ONSTACK != 0
		signalChanges = append(signalChanges, SignalChange{Signal: sig, HadOnStack: had})
		if !had && C.outpost_add_onstack(C.int(sig)) != 0 {
			fmt.Fprintf(os.Stderr, "outpost: cannot add SA_ONSTACK to signal %d\n", sig)
		}
	}
}

// releaseSignalForEngine hands SIGUSR1 (or the signal named by
// JSC_SIGNAL_FOR_GC) to JavaScriptCore, which uses it to suspend threads.
// Go only uses it for os/signal; resetting it first stops the engine from
// printing a warning about overriding Go's handler at every start.
func releaseSignalForEngine() {
	sig := int(syscall.SIGUSR1)
	if v, ok := os.LookupEnv("JSC_SIGNAL_FOR_GC"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			sig = n
		}
	}
	C.outpost_reset_signal(C.int(sig))
}

// SignalChanges lists the signals whose handlers JavaScriptCore installed
// when it initialised (empty before the first VM is made).
func SignalChanges() []SignalChange {
	signalMu.Lock()
	defer signalMu.Unlock()
	return append([]SignalChange(nil), signalChanges...)
}

// SignalFlags reports whether sig currently has a handler installed with
// SA_ONSTACK (for tests and diagnostics).
func SignalFlags(sig int) (installed, onStack bool) {
	var h unsafe.Pointer
	var f C.int
	C.outpost_sigaction(C.int(sig), &h, &f)
	return h != nil, f&C.SA_ONSTACK != 0
}

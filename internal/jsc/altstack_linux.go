package jsc

/*
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>

// outpost_altstack_in_thread_stack makes the calling thread's alternate
// signal stack the lowest part of its own stack (above the guard). Returns
// 0, or -1 when the thread's stack cannot be found or is too small.
static int outpost_altstack_in_thread_stack(size_t size) {
	pthread_attr_t attr;
	if (pthread_getattr_np(pthread_self(), &attr) != 0) return -1;
	void* lo = NULL;
	size_t stackSize = 0, guard = 0;
	pthread_attr_getstack(&attr, &lo, &stackSize);
	pthread_attr_getguardsize(&attr, &guard);
	pthread_attr_destroy(&attr);
	if (lo == NULL || stackSize < 8 * size) return -1;
	// One page above the guard, so an overflow of the alternate stack
	// still meets the guard rather than the stack's users.
	char* base = (char*)lo + guard + 4096;
	// The main thread's stack grows on demand: fault the pages in now.
	volatile char* p = base;
	for (size_t off = 0; off < size; off += 4096) p[off] = 0;
	stack_t ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_sp = base;
	ss.ss_size = size;
	return sigaltstack(&ss, NULL);
}
*/
import "C"

import "errors"

var errAltStack = errors.New("jsc: cannot place the VM thread's signal stack inside its own stack (pthread_getattr_np or sigaltstack failed)")

// altStackSize is the VM thread's alternate signal stack: room for the
// kernel's signal frame (a few KiB with AVX-512 state), JavaScriptCore's
// suspend handler and Go's signal handler.
const altStackSize = 64 << 10

// useAltStackInThreadStack runs on a VM's locked thread before it enters
// JavaScriptCore. JavaScriptCore suspends the threads that run JavaScript
// (SIGUSR1) whenever Wasm code is tiered up, and its suspend handler gives
// up and asks again when it finds itself on a stack outside the thread's
// own, which is where Go's per-thread signal stack is: the suspension
// then never ends. Go requires SA_ONSTACK on every handler, so the
// handler must run on an alternate stack; this one lies inside the
// thread's own stack, at its far end, which neither JavaScript (held to
// its stack limit well above) nor Go's runtime uses. Go's signal handler
// adopts an alternate stack set by C code.
func useAltStackInThreadStack() error {
	if C.outpost_altstack_in_thread_stack(altStackSize) != 0 {
		return errAltStack
	}
	return nil
}

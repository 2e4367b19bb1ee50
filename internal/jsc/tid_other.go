//go:build !linux

package jsc

/*
#include <pthread.h>
#include <stdint.h>
static uint64_t outpost_tid(void) { uint64_t id; pthread_threadid_np(NULL, &id); return id; }
*/
import "C"

func gettid() int { return int(C.outpost_tid()) }

//go:build !linux

package jsc

/*
#include <JavaScriptCore/JavaScript.h>

// Remote inspection is wired for WebKitGTK's JavaScriptCore only; these
// keep the host-function and interrupt paths the same everywhere.
__thread int outpost_inspector_thread = 0;
JSValueRef outpost_debugger_host_error(JSContextRef ctx) { return JSValueMakeUndefined(ctx); }
*/
import "C"

import "errors"

// InspectorSymbols are the private JavaScriptCore symbols remote inspection
// needs (none are looked up on this platform).
var InspectorSymbols []string

// InspectorAvailable reports why remote inspection cannot work here.
func InspectorAvailable() error {
	return errors.New("debugging needs WebKitGTK's JavaScriptCore (Linux)")
}

// EnableInspector is unavailable on this platform.
func EnableInspector(addr string) error { return InspectorAvailable() }

// InspectorEnabled is always false on this platform.
func InspectorEnabled() bool { return false }

// OnInspectorTargets has nothing to report on this platform.
func OnInspectorTargets(f func()) {}

// ParkForInspector has nothing to park on this platform.
func ParkForInspector(name string) (release func()) { return func() {} }

func (vm *VM) makeInspectable() {}

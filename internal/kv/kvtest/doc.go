// Package kvtest is the KV conformance suite every kv.Store must pass:
//
//	func TestConformance(t *testing.T) {
//		kvtest.Run(t, func(t *testing.T) kv.Store { return openMyStore(t) })
//	}
//
// It drives the store through kv.Namespace, so it checks the semantics users
// see (limits, error strings, expiry, ordering, cursors), with a fake clock.
package kvtest

package durable_test

import (
	"testing"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/durabletest"
)

// The one-node store: reopening is a restart of the node on the same state
// directory.
func TestConformance(t *testing.T) {
	durabletest.Run(t, func(t *testing.T) *durabletest.Subject {
		dir := t.TempDir()
		id := durable.IDFromName("w/C", t.Name())
		cur := durable.NewStore(dir)
		t.Cleanup(func() { cur.Close() })
		open := func(t *testing.T) *durable.Object {
			o, err := cur.Object("w", "C", id)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		return &durabletest.Subject{Object: open(t), Reopen: func(t *testing.T) *durable.Object {
			cur.Close()
			cur = durable.NewStore(dir)
			return open(t)
		}}
	})
}

// The one-node store behind an output gate (as the binding runs objects):
// writes are fsynced by Flush, and by closing the object, not one by one.
func TestConformanceGated(t *testing.T) {
	durabletest.Run(t, func(t *testing.T) *durabletest.Subject {
		dir := t.TempDir()
		id := durable.IDFromName("w/C", t.Name())
		cur := durable.NewStore(dir)
		t.Cleanup(func() { cur.Close() })
		open := func(t *testing.T) *durable.Object {
			o, err := cur.Object("w", "C", id)
			if err != nil {
				t.Fatal(err)
			}
			o.Gate()
			return o
		}
		return &durabletest.Subject{Object: open(t), Reopen: func(t *testing.T) *durable.Object {
			cur.Close()
			cur = durable.NewStore(dir)
			return open(t)
		}}
	})
}

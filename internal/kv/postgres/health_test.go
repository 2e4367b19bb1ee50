package postgres

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A stall is declared after stallAfter without an answer: calls in flight
// are cancelled with ErrStalled, new calls fail at once, and the first
// answer ends it.
func TestHealthStall(t *testing.T) {
	t0 := time.Now()
	h := &health{lastOK: t0}
	h.live, h.cancel = context.WithCancel(context.Background())

	ctx, release, err := h.guard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	h.record(false, t0.Add(time.Second))
	if ctx.Err() != nil || h.err() != nil {
		t.Fatal("one missed probe stalled the store")
	}
	h.record(false, t0.Add(stallAfter))
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	if !errors.Is(context.Cause(ctx), ErrStalled) {
		t.Fatalf("a call in flight was not cancelled by the stall: %v", context.Cause(ctx))
	}
	if _, _, err := h.guard(context.Background()); !errors.Is(err, ErrStalled) {
		t.Fatalf("a new call during the stall: %v", err)
	}
	h.record(true, t0.Add(stallAfter+time.Second))
	ctx2, release2, err := h.guard(context.Background())
	if err != nil || ctx2.Err() != nil {
		t.Fatalf("after the database answered again: %v %v", err, ctx2.Err())
	}
	release2()
}

package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Invocation is one run of a worker's code for an event: a request with
// its waitUntil work, or a scheduled event. Limits are counted per
// invocation, and its context, which ends with the invocation, is carried
// by every subrequest and storage call made for it.
type Invocation struct {
	ID   int64
	Kind string // "fetch", "scheduled", "queue", "rpc", "object" (a Durable Object's method or alarm)

	ctx    context.Context
	cancel context.CancelFunc
	// Only touched on the VM's thread.
	depth       int // workers the triggering request already passed through
	subrequests int
	waitUntil   int
	responded   bool          // the handler has given its response
	done        chan struct{} // closed when every waitUntil promise settled

	// Limits (limits.go), VM thread only unless said otherwise.
	cpu     time.Duration // CPU used so far
	limit   time.Duration // its worker's CPU limit
	chain   *chain        // shared with the service-binding calls of one request
	timers  int           // pending timers it armed
	pending int           // its asynchronous ops not yet settled (hang detection)
	// shared marks an invocation of a Durable Object: the object's
	// invocations share one event loop, as in workerd's actor context, so
	// one of them may settle what another waits on.
	shared  bool
	failed  error       // set once a limit or hang ended it
	onFail  func(error) // hands that error to whoever waits for the handler
	waiters map[int64]func(error)
	waitSeq int64
}

// Context ends when the invocation does.
func (inv *Invocation) Context() context.Context { return inv.ctx }

// newInvocation registers an invocation; runs on the VM's thread.
// parent is the context the event arrived with: a service-binding call
// carries its caller's chain in it.
func (in *Instance) newInvocation(kind string, depth int, parent context.Context) *Invocation {
	in.reqSeq++
	limit := in.cpuLimit()
	ch := chainFor(parent, limit)
	base := in.life
	if tag := EventTag(parent); tag != nil {
		base = WithEventTag(base, tag)
	}
	if gate, ok := parent.Value(outputGateKey{}).(func() error); ok {
		base = WithOutputGate(base, gate)
	}
	ctx, cancel := context.WithCancel(context.WithValue(base, chainKey{}, ch))
	inv := &Invocation{ID: in.reqSeq, Kind: kind, ctx: ctx, cancel: cancel, depth: depth, done: make(chan struct{}),
		limit: limit, chain: ch}
	in.reqs[inv.ID] = inv
	return inv
}

// endInvocation forgets an invocation and ends its context; runs on the
// VM's thread.
func (in *Instance) endInvocation(id int64) {
	if inv := in.reqs[id]; inv != nil {
		in.streams.closeOwned(id)
		inv.cancel()
		delete(in.reqs, id)
		in.releaseExports(id)
		// Its timers end with it, as in workerd's request context.
		if inv.timers > 0 {
			for tid, t := range in.timers {
				if t.owner == id {
					delete(in.timers, tid)
					if in.hooks != nil {
						in.hooks.Value().CallMethod("timer", in.vm.Context().Number(float64(tid)), in.vm.Context().Bool(true))
					}
				}
			}
		}
	}
}

// current is the invocation the running task works for (nil for work of
// the instance itself, such as evaluating the script).
func (in *Instance) current() *Invocation { return in.reqs[in.cur] }

// Outcome is how an invocation ended, in the words of Cloudflare's tail
// events: the one classification logs, tail and metrics share.
type Outcome string

const (
	OutcomeOK                Outcome = "ok"
	OutcomeException         Outcome = "exception"
	OutcomeExceededCPU       Outcome = "exceededCpu"
	OutcomeExceededMemory    Outcome = "exceededMemory"
	OutcomeExceededResources Outcome = "exceededResources"
	OutcomeCanceled          Outcome = "canceled"
	OutcomeError             Outcome = "error" // Outpost could not run it (no instance could start, …)
)

// OutcomeOf decides the outcome of an invocation that returned err;
// clientGone tells that the client left before the response ended.
func OutcomeOf(err error, clientGone bool) Outcome {
	var se *ScriptError
	switch {
	case err == nil && clientGone, errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case err == nil:
		return OutcomeOK
	case errors.As(err, &se):
		switch {
		case se.Memory:
			return OutcomeExceededMemory
		case se.Resources:
			return OutcomeExceededResources
		case se.Limit:
			return OutcomeExceededCPU
		}
		return OutcomeException
	}
	return OutcomeError
}

// Subrequest counts a subrequest against the running invocation and
// returns the depth a request it sends to another worker has. It refuses
// past the subrequest limit and, for service bindings, past
// MaxSubrequestDepth, with workerd's messages. The worker's global scope
// may not send any (workerd has no request to do I/O for then).
func (in *Instance) Subrequest(kind string) (int, error) {
	inv := in.current()
	if inv == nil {
		if in.atGlobalScope() {
			return 0, &jsc.Error{Name: "Error", Message: globalScopeMessage}
		}
		return 1, nil
	}
	limit := in.cfg.SubrequestLimit
	if limit <= 0 {
		limit = DefaultSubrequestLimit
	}
	inv.subrequests++
	if inv.subrequests > limit {
		return 0, &jsc.Error{Name: "Error", Message: "Too many subrequests."}
	}
	depth := inv.depth + 1
	if kind == "service" && inv.chain != nil && inv.chain.services.Add(1) > MaxServiceInvocations {
		return 0, &jsc.Error{Name: "Error", Message: fmt.Sprintf("Too many Workers invoked through service bindings: one request may invoke at most %d.", MaxServiceInvocations)}
	}
	if kind == "service" && depth > MaxSubrequestDepth {
		return 0, &jsc.Error{Name: "Error", Message: "Subrequest depth limit exceeded. This request recursed through Workers too many times. " +
			"This can happen e.g. if you have a Worker or Durable Object that calls other Workers or objects recursively."}
	}
	return depth, nil
}

// DefaultSubrequestLimit is Cloudflare's default per invocation (paid plan).
const DefaultSubrequestLimit = 10000

// MaxSubrequestDepth is how many workers one request may pass through, as
// on Cloudflare.
const MaxSubrequestDepth = 16

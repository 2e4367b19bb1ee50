package runtime

import "context"

// A Durable Object's output gate holds what the object sends out until the
// storage writes made before it are durable (Cloudflare: "outgoing network
// messages are held until pending writes are confirmed"). Its response is
// gated by the binding; its fetch() subrequests are gated here, through
// the context its invocation runs under.

type outputGateKey struct{}

// WithOutputGate returns a context under which an invocation's fetch()
// subrequests wait for gate before they leave; an error from gate fails
// the fetch() instead of sending it.
func WithOutputGate(ctx context.Context, gate func() error) context.Context {
	return context.WithValue(ctx, outputGateKey{}, gate)
}

// passOutputGate waits for ctx's output gate, if it has one.
func passOutputGate(ctx context.Context) error {
	if gate, ok := ctx.Value(outputGateKey{}).(func() error); ok {
		return gate()
	}
	return nil
}

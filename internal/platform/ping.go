package platform

import "context"

// pinger is a store that can tell whether its database answers.
type pinger interface {
	Ping(ctx context.Context) error
}

// Ping checks that the node's KV storage answers (PostgreSQL; an
// embedded store always does), for readiness.
func (n *Node) Ping(ctx context.Context) error {
	if p, ok := n.kvStore.(pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

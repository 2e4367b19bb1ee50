package serve

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Readiness reflects the databases the node depends on: with KV or the
// deployments in PostgreSQL, a node whose database does not answer within
// depsTimeout reports not ready, so that a load balancer sends traffic to
// nodes that can serve it. The result is kept for depsTTL so that health
// checks cannot flood the database.

const (
	depsTimeout = 2 * time.Second
	depsTTL     = time.Second
)

type depsCheck struct {
	mu      sync.Mutex
	checked time.Time
	err     error
	running chan struct{} // closed when the check under way ends
}

type pingable interface {
	Ping(ctx context.Context) error
}

// dependencies returns nil when every database the node uses answers.
func (s *Server) dependencies() error {
	d := &s.deps
	d.mu.Lock()
	if time.Since(d.checked) < depsTTL {
		err := d.err
		d.mu.Unlock()
		return err
	}
	if d.running == nil {
		d.running = make(chan struct{})
		go s.checkDependencies()
	}
	wait := d.running
	d.mu.Unlock()
	<-wait
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (s *Server) checkDependencies() {
	ctx, cancel := context.WithTimeout(context.Background(), depsTimeout)
	defer cancel()
	var err error
	if s.node != nil {
		if perr := s.node.Ping(ctx); perr != nil {
			err = fmt.Errorf("KV database not answering: %v", perr)
		}
	}
	if p, ok := s.store.(pingable); ok && err == nil {
		if perr := p.Ping(ctx); perr != nil {
			err = fmt.Errorf("deployments database not answering: %v", perr)
		}
	}
	d := &s.deps
	d.mu.Lock()
	d.err, d.checked = err, time.Now()
	close(d.running)
	d.running = nil
	d.mu.Unlock()
}

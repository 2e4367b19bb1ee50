package cache

import "strings"

// Purge removes matching entries from every cache and returns how many.
// URLs are normalised like cache keys; an entry stored under a
// cf.cacheKey is purged by that exact key.
func (s *Store) Purge(p Purge) (int, error) {
	urls := map[string]bool{}
	for _, u := range p.URLs {
		if k, err := normalizeURL(u); err == nil {
			urls[k] = true
		} else {
			urls[u] = true
		}
	}
	tags := map[string]bool{}
	for _, t := range p.Tags {
		tags[strings.ToLower(strings.TrimSpace(t))] = true
	}
	var prefixes []string
	for _, pre := range p.Prefixes {
		if pre = strings.ToLower(stripScheme(pre)); pre != "" {
			prefixes = append(prefixes, pre)
		}
	}
	matches := func(e *entry) bool {
		if p.All || urls[e.key] {
			return true
		}
		for _, t := range e.tags {
			if tags[t] {
				return true
			}
		}
		bare := strings.ToLower(stripScheme(e.key))
		for _, pre := range prefixes {
			if strings.HasPrefix(bare, pre) {
				return true
			}
		}
		return false
	}
	var gone []*entry
	s.mu.Lock()
	for _, e := range s.entries {
		if matches(e) {
			gone = append(gone, e)
		}
	}
	for _, e := range gone {
		s.remove(e)
	}
	s.mu.Unlock()
	for _, e := range gone {
		s.removeBody(e)
	}
	return len(gone), nil
}

// Sweep removes every expired entry and returns how many; the server calls
// it now and then so stale bodies do not hold disk space.
func (s *Store) Sweep() int {
	now := s.opts.Now()
	var gone []*entry
	s.mu.Lock()
	for _, e := range s.entries {
		if !now.Before(e.expires) {
			gone = append(gone, e)
		}
	}
	for _, e := range gone {
		s.remove(e)
	}
	s.mu.Unlock()
	for _, e := range gone {
		s.removeBody(e)
	}
	return len(gone)
}

package cache

// Partition is one worker's (or one zone's) share of a node's store under
// `outpost serve`: its caches.default, its named caches and its zone cache
// for fetch() are its own, so no worker can plant an entry another
// worker's cache returns. Workers given the same zone share one partition.
type Partition struct {
	store  *Store
	prefix string // "" for the whole store (outpost dev)
}

// Partition returns the part of the store named zone; "" is the whole
// store, as one project under outpost dev sees it.
func (s *Store) Partition(zone string) *Partition {
	if zone == "" {
		return &Partition{store: s}
	}
	// NUL cannot appear in a cache name a worker passes through
	// caches.open (the name is escaped on disk), so zones cannot collide
	// with each other or with unpartitioned names.
	return &Partition{store: s, prefix: "zone\x00" + zone + "\x00"}
}

func (p *Partition) name(cacheName string) string {
	if p.prefix == "" {
		return cacheName
	}
	return p.prefix + cacheName
}

// Match, Put, Delete and Fetch are the Store's, within the partition.
func (p *Partition) Match(cacheName string, req Request, o MatchOptions) (*Response, bool, error) {
	return p.store.Match(p.name(cacheName), req, o)
}

func (p *Partition) Put(cacheName string, req Request, resp Response) error {
	return p.store.Put(p.name(cacheName), req, resp)
}

func (p *Partition) Delete(cacheName string, req Request, o MatchOptions) (bool, error) {
	return p.store.Delete(p.name(cacheName), req, o)
}

func (p *Partition) Fetch(req Request, cf CFOptions, origin func(Request) (*Response, error)) (*Response, error) {
	return p.store.FetchIn(p.name(""), req, cf, origin)
}

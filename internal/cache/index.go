package cache

import "os"

// The index: which entries exist, which bodies are in memory (lru) and
// which are on disk (recent), each bounded in bytes.

// install puts e in the index. It returns the entries whose bodies the
// caller must remove outside the lock: the one e replaces, and those evicted
// to stay within MaxDiskBytes. Caller holds s.mu.
func (s *Store) install(e *entry) (gone []*entry) {
	id := entryID{e.cache, e.key}
	if old := s.entries[id]; old != nil {
		s.unlink(old)
		gone = append(gone, old)
	}
	s.entries[id] = e
	if e.mem != nil {
		s.makeResident(e, e.mem)
	}
	if e.body != "" {
		e.use = s.recent.PushFront(e)
		s.diskBytes += e.size
		for s.diskBytes > s.opts.MaxDiskBytes && s.recent.Len() > 1 {
			victim := s.recent.Back().Value.(*entry)
			s.remove(victim)
			gone = append(gone, victim)
		}
	}
	return gone
}

// unlink drops e from the index and from memory. Caller holds s.mu.
func (s *Store) unlink(e *entry) {
	id := entryID{e.cache, e.key}
	if s.entries[id] == e {
		delete(s.entries, id)
	}
	s.dropMem(e)
	if e.use != nil {
		s.recent.Remove(e.use)
		e.use = nil
		s.diskBytes -= e.size
	}
}

// remove deletes e entirely: index, memory and metadata file (under the
// lock, so a concurrent put of the same key cannot lose its new metadata).
// The body is returned for removal outside the lock. Caller holds s.mu.
func (s *Store) remove(e *entry) {
	s.unlink(e)
	if e.meta != "" {
		os.Remove(e.meta)
	}
}

func (s *Store) removeBody(e *entry) {
	if e != nil && e.body != "" {
		os.Remove(e.body)
	}
}

func (s *Store) dropMem(e *entry) {
	if e.lru != nil {
		s.lru.Remove(e.lru)
		e.lru = nil
		s.memBytes -= int64(len(e.mem))
	}
	e.mem = nil
}

// makeResident keeps body in memory for e and evicts the least recently
// used bodies beyond MaxMemoryBytes: from memory when they are also on
// disk, entirely when they are not. Caller holds s.mu.
func (s *Store) makeResident(e *entry, body []byte) {
	if e.lru != nil {
		s.lru.MoveToFront(e.lru)
		return
	}
	e.mem = body
	e.lru = s.lru.PushFront(e)
	s.memBytes += int64(len(body))
	for s.memBytes > s.opts.MaxMemoryBytes && s.lru.Len() > 1 {
		victim := s.lru.Back().Value.(*entry)
		if victim.body == "" {
			s.unlink(victim)
		} else {
			s.dropMem(victim)
		}
	}
}

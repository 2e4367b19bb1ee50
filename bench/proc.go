package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// treeRSS is the resident memory of pid and all its descendants, in bytes,
// read from /proc (wrangler dev is node plus a workerd child, so a single
// process would undercount it).
func treeRSS(pid int) (int64, error) {
	st, err := treeStat(pid)
	return st.RSS, err
}

// procStat is what the benchmark reads of a process tree.
type procStat struct {
	RSS  int64         // resident bytes
	Anon int64         // of which private anonymous memory (heaps), not pages of mapped files
	CPU  time.Duration // user + system CPU time used so far
}

// treeStat sums procStat over pid and all its descendants.
func treeStat(pid int) (procStat, error) {
	children, err := childrenMap()
	if err != nil {
		return procStat{}, err
	}
	var total procStat
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if st, err := processStat(p); err == nil {
			total.RSS += st.RSS
			total.Anon += st.Anon
			total.CPU += st.CPU
		}
		queue = append(queue, children[p]...)
	}
	return total, nil
}

// childrenMap maps each pid to its children's pids, from /proc/*/stat.
func childrenMap() (map[int][]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	m := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// The command name is in parentheses and may hold spaces; the
		// fields after its closing parenthesis are state, ppid, ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		m[ppid] = append(m[ppid], pid)
	}
	return m, nil
}

// clockTick is the unit of CPU times in /proc/PID/stat (USER_HZ, 100 on
// Linux).
const clockTick = 10 * time.Millisecond

// processStat reads one process's memory (/proc/PID/status) and CPU time
// (/proc/PID/stat).
func processStat(pid int) (procStat, error) {
	var st procStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		for _, f := range []struct {
			key string
			to  *int64
		}{{"VmRSS:", &st.RSS}, {"RssAnon:", &st.Anon}} {
			if v, ok := strings.CutPrefix(line, f.key); ok {
				if fs := strings.Fields(v); len(fs) >= 1 {
					kb, err := strconv.ParseInt(fs[0], 10, 64)
					if err != nil {
						return st, err
					}
					*f.to = kb * 1024
					found = found || f.to == &st.RSS
				}
			}
		}
	}
	if !found {
		return st, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
	}
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// After the parenthesised command name: state is field 3, utime
	// field 14 and stime field 15.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 {
		if f := strings.Fields(string(b[i+1:])); len(f) >= 13 {
			utime, _ := strconv.ParseInt(f[11], 10, 64)
			stime, _ := strconv.ParseInt(f[12], 10, 64)
			st.CPU = time.Duration(utime+stime) * clockTick
		}
	}
	return st, nil
}

// rssSampler keeps the peak of treeRSS(pid) sampled every interval until
// stopped.
type rssSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	peak int64
}

func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if rss, err := treeRSS(pid); err == nil {
				s.mu.Lock()
				s.peak = max(s.peak, rss)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak seen.
func (s *rssSampler) Stop() int64 {
	close(s.stop)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

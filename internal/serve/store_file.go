package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FileStore keeps deployments as files for a single node:
// DIR/WORKER/v1.json, v2.json… and DIR/WORKER/active holding the active
// version's number. Every file is written to a temporary name, synced and
// renamed, so a crash leaves either the old or the new state.
type FileStore struct {
	dir string
	mu  sync.Mutex
}

type fileVersion struct {
	Version
	Bundle *Bundle `json:"bundle"`
}

// OpenFileStore opens (and creates) a file store in dir.
func OpenFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("deployments: %w", err)
	}
	return &FileStore{dir: dir}, nil
}

func (s *FileStore) Close() error { return nil }

func (s *FileStore) Create(ctx context.Context, worker string, b *Bundle, message string) (Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wdir := filepath.Join(s.dir, worker)
	if err := os.MkdirAll(wdir, 0o700); err != nil {
		return Version{}, err
	}
	nums, err := s.numbers(worker)
	if err != nil {
		return Version{}, err
	}
	next := 1
	if len(nums) > 0 {
		next = nums[len(nums)-1] + 1
	}
	v := Version{Worker: worker, Version: next, Created: time.Now().UTC(), Message: message, SHA256: b.Hash(), Active: true}
	data, err := json.Marshal(fileVersion{Version: v, Bundle: b})
	if err != nil {
		return Version{}, err
	}
	if err := writeAtomic(filepath.Join(wdir, fmt.Sprintf("v%d.json", next)), data); err != nil {
		return Version{}, err
	}
	if err := writeAtomic(filepath.Join(wdir, "active"), []byte(strconv.Itoa(next))); err != nil {
		return Version{}, err
	}
	return v, nil
}

func (s *FileStore) Activate(ctx context.Context, worker string, version int) (Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fv, err := s.read(worker, version)
	if err != nil {
		return Version{}, err
	}
	if err := writeAtomic(filepath.Join(s.dir, worker, "active"), []byte(strconv.Itoa(version))); err != nil {
		return Version{}, err
	}
	fv.Version.Active = true
	return fv.Version, nil
}

func (s *FileStore) Active(ctx context.Context) (map[string]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if n, err := s.active(e.Name()); err == nil && n > 0 {
			out[e.Name()] = n
		}
	}
	return out, nil
}

func (s *FileStore) Versions(ctx context.Context, worker string) ([]Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nums, err := s.numbers(worker)
	if err != nil {
		return nil, err
	}
	if len(nums) == 0 {
		return nil, notFound(worker, 0)
	}
	active, _ := s.active(worker)
	var out []Version
	for i := len(nums) - 1; i >= 0; i-- {
		fv, err := s.read(worker, nums[i])
		if err != nil {
			return nil, err
		}
		fv.Version.Active = nums[i] == active
		out = append(out, fv.Version)
	}
	return out, nil
}

func (s *FileStore) Get(ctx context.Context, worker string, version int) (*Bundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fv, err := s.read(worker, version)
	if err != nil {
		return nil, err
	}
	return fv.Bundle, nil
}

func (s *FileStore) active(worker string) (int, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, worker, "active"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

func (s *FileStore) read(worker string, version int) (*fileVersion, error) {
	if !validName(worker) {
		return nil, notFound(worker, version)
	}
	path := filepath.Join(s.dir, worker, fmt.Sprintf("v%d.json", version))
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, notFound(worker, version)
	}
	if err != nil {
		return nil, err
	}
	var fv fileVersion
	if err := json.Unmarshal(data, &fv); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &fv, nil
}

// numbers lists a worker's version numbers in increasing order.
func (s *FileStore) numbers(worker string) ([]int, error) {
	if !validName(worker) {
		return nil, notFound(worker, 0)
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, worker))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var nums []int
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "v") || !strings.HasSuffix(name, ".json") {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(name[1:], ".json")); err == nil {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	return nums, nil
}

// writeAtomic replaces path with data so that readers see all or nothing.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

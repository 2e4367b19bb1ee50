package cache

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spooled is a body read to its end: in memory (mem) and/or in a synced
// temporary file (tmp) when the store has a directory.
type spooled struct {
	size int64
	mem  []byte // the whole body, when small enough to keep in memory
	tmp  string // path of the temporary file holding the body
}

func (sp *spooled) discard() {
	if sp != nil && sp.tmp != "" {
		os.Remove(sp.tmp)
	}
}

// spool reads r to its end. With a dir, the body streams into a temporary
// file there and is also kept in memory while it is at most memCap bytes;
// without one it is read into memory. If r holds more than limit bytes,
// spool stops and returns, in rest, a reader that replays what was read
// followed by the remainder of r, so a caller passing the body on loses
// nothing.
func spool(r io.Reader, dir string, limit, memCap int64) (sp *spooled, rest io.ReadCloser, err error) {
	if r == nil {
		r = bytes.NewReader(nil)
	}
	if dir == "" {
		var buf bytes.Buffer
		n, err := io.CopyN(&buf, r, limit+1)
		if err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("reading response body: %w", err)
		}
		if n > limit {
			return nil, io.NopCloser(io.MultiReader(bytes.NewReader(buf.Bytes()), r)), nil
		}
		return &spooled{size: n, mem: buf.Bytes()}, nil, nil
	}
	f, err := os.CreateTemp(dir, "put-*.tmp")
	if err != nil {
		return nil, nil, fmt.Errorf("cache: creating temporary body file: %w", err)
	}
	keep := &cappedBuffer{limit: memCap}
	n, err := io.CopyN(io.MultiWriter(f, keep), r, limit+1)
	if err != nil && err != io.EOF {
		f.Close()
		os.Remove(f.Name())
		return nil, nil, fmt.Errorf("reading response body into %s: %w", f.Name(), err)
	}
	if n > limit {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, nil, fmt.Errorf("cache: rewinding %s: %w", f.Name(), err)
		}
		return nil, &replay{Reader: io.MultiReader(f, r), f: f}, nil
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, nil, fmt.Errorf("cache: syncing %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return nil, nil, fmt.Errorf("cache: closing %s: %w", f.Name(), err)
	}
	return &spooled{size: n, mem: keep.bytes(), tmp: f.Name()}, nil, nil
}

// cappedBuffer keeps what is written to it until it grows past limit, then
// gives up so a large body is not held in memory.
type cappedBuffer struct {
	buf   []byte
	limit int64
	over  bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if !c.over {
		if int64(len(c.buf)+len(p)) > c.limit {
			c.over, c.buf = true, nil
		} else {
			c.buf = append(c.buf, p...)
		}
	}
	return len(p), nil
}

func (c *cappedBuffer) bytes() []byte {
	if c.over {
		return nil
	}
	if c.buf == nil {
		return []byte{}
	}
	return c.buf
}

// replay reads back a partly spooled body and removes its file on Close.
type replay struct {
	io.Reader
	f *os.File
}

func (r *replay) Close() error {
	err := r.f.Close()
	os.Remove(r.f.Name())
	return err
}

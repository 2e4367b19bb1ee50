package fleet

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// The SQLite write-ahead log, as https://www.sqlite.org/fileformat2.html#walformat
// describes it: a 32-byte header (magic, version, page size, checkpoint
// sequence, two salts, a checksum) and frames of a 24-byte header (page
// number, the database size in pages for the last frame of a commit, else
// 0, the salts, a cumulative checksum) followed by the page. A frame belongs
// to the log while its salts match the header's and its checksum continues
// the previous frame's; only frames up to the last commit frame are
// committed.

const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
	walMagicLE         = 0x377f0682 // checksums over little-endian words
	walMagicBE         = 0x377f0683 // over big-endian words
)

// walReader follows one object's log and returns what each commit added.
type walReader struct {
	path string

	// The generation being followed (zero salts: none yet).
	salt1, salt2 uint32
	bigEndian    bool
	pageSize     int
	off          int64     // just past the last committed frame read
	sum          [2]uint32 // the checksum at off
}

// commit is what the log holds past the reader's position: the pages of
// the committed frames (in log order, later frames win) and the database
// size after the last commit.
type commit struct {
	pageSize int
	pages    map[uint32][]byte
	dbPages  uint32
}

func walChecksum(bigEndian bool, b []byte, s [2]uint32) [2]uint32 {
	order := binary.ByteOrder(binary.LittleEndian)
	if bigEndian {
		order = binary.BigEndian
	}
	for i := 0; i+8 <= len(b); i += 8 {
		s[0] += order.Uint32(b[i:]) + s[1]
		s[1] += order.Uint32(b[i+4:]) + s[0]
	}
	return s
}

// next reads the frames committed since the last call; nil when there are
// none. A log that starts over (new salts, after a checkpoint) is followed
// from its first frame.
func (r *walReader) next() (*commit, error) {
	f, err := os.Open(r.path)
	if os.IsNotExist(err) {
		r.salt1, r.salt2 = 0, 0
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hdr [walHeaderSize]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		if err == io.EOF {
			// Truncated by a checkpoint: the next write starts a new log.
			r.salt1, r.salt2 = 0, 0
			return nil, nil
		}
		return nil, err
	}
	be := binary.BigEndian
	salt1, salt2 := be.Uint32(hdr[16:]), be.Uint32(hdr[20:])
	if salt1 != r.salt1 || salt2 != r.salt2 || (r.salt1 == 0 && r.salt2 == 0) {
		magic := be.Uint32(hdr[0:])
		if magic != walMagicLE && magic != walMagicBE {
			return nil, fmt.Errorf("%s: not a write-ahead log (magic %#x)", r.path, magic)
		}
		bigEndian := magic == walMagicBE
		sum := walChecksum(bigEndian, hdr[:24], [2]uint32{})
		if sum[0] != be.Uint32(hdr[24:]) || sum[1] != be.Uint32(hdr[28:]) {
			// A header being written: nothing committed in it yet.
			return nil, nil
		}
		ps := int(be.Uint32(hdr[8:]))
		if ps == 1 {
			ps = 65536
		}
		*r = walReader{path: r.path, salt1: salt1, salt2: salt2, bigEndian: bigEndian, pageSize: ps, off: walHeaderSize, sum: sum}
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() <= r.off {
		return nil, nil
	}
	buf := make([]byte, st.Size()-r.off)
	if _, err := f.ReadAt(buf, r.off); err != nil && err != io.EOF {
		return nil, err
	}
	frameSize := walFrameHeaderSize + r.pageSize
	var c *commit
	pending := map[uint32][]byte{}
	sum := r.sum
	var committedTo int64
	var committedSum [2]uint32
	for pos := 0; pos+frameSize <= len(buf); pos += frameSize {
		fh := buf[pos : pos+walFrameHeaderSize]
		page := buf[pos+walFrameHeaderSize : pos+frameSize]
		if be.Uint32(fh[8:]) != r.salt1 || be.Uint32(fh[12:]) != r.salt2 {
			break
		}
		s := walChecksum(r.bigEndian, fh[:8], sum)
		s = walChecksum(r.bigEndian, page, s)
		if s[0] != be.Uint32(fh[16:]) || s[1] != be.Uint32(fh[20:]) {
			break
		}
		sum = s
		pending[be.Uint32(fh[0:])] = page
		if size := be.Uint32(fh[4:]); size != 0 {
			if c == nil {
				c = &commit{pageSize: r.pageSize, pages: map[uint32][]byte{}}
			}
			for n, p := range pending {
				c.pages[n] = p
			}
			clear(pending)
			c.dbPages = size
			committedTo, committedSum = int64(pos+frameSize), sum
		}
	}
	if c != nil {
		r.off += committedTo
		r.sum = committedSum
		for n := range c.pages {
			if n > c.dbPages {
				delete(c.pages, n)
			}
		}
	}
	return c, nil
}

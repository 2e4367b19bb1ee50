package r2

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// Etag is one entry of an onlyIf etag list.
type Etag struct {
	Value    string
	Weak     bool
	Wildcard bool
}

// Conditional is an onlyIf: from an R2Conditional object or from request
// headers (If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since), which compare at seconds granularity.
type Conditional struct {
	EtagMatches        []Etag // nil: absent
	EtagDoesNotMatch   []Etag
	UploadedBefore     *time.Time
	UploadedAfter      *time.Time
	SecondsGranularity bool
}

func includesEtag(list []Etag, etag string, weak bool) bool {
	for _, c := range list {
		if c.Wildcard {
			return true
		}
		if c.Value == etag && (!c.Weak || weak) {
			return true
		}
	}
	return false
}

// Holds tells whether the condition holds for o (nil: no object), by
// RFC 7232's rules: an etag condition that is present overrides the date
// condition it pairs with.
func (c *Conditional) Holds(o *Object) bool {
	if c == nil {
		return true
	}
	if o == nil {
		return c.EtagMatches == nil && c.UploadedAfter == nil
	}
	trunc := func(t time.Time) int64 {
		ms := t.UnixMilli()
		if c.SecondsGranularity {
			ms = ms / 1000 * 1000
		}
		return ms
	}
	uploaded := trunc(o.Uploaded)
	ifMatch := c.EtagMatches == nil || includesEtag(c.EtagMatches, o.ETag, false)
	ifNoneMatch := c.EtagDoesNotMatch == nil || !includesEtag(c.EtagDoesNotMatch, o.ETag, true)
	modifiedSince := c.UploadedAfter == nil || trunc(*c.UploadedAfter) < uploaded ||
		(c.EtagDoesNotMatch != nil && ifNoneMatch)
	unmodifiedSince := c.UploadedBefore == nil || uploaded < trunc(*c.UploadedBefore) ||
		(c.EtagMatches != nil && ifMatch)
	return ifMatch && ifNoneMatch && modifiedSince && unmodifiedSince
}

// Range is a get's range option: offset and/or length, or a suffix.
type Range struct {
	Offset, Length, Suffix *int64
}

// Resolve applies r to an object of size bytes, as R2 does: a suffix
// longer than the object is the whole object, a length past the end is
// cut, an offset past the end or an empty range is not satisfiable.
func (r *Range) Resolve(size int64) (*ByteRange, error) {
	if r == nil {
		return nil, nil
	}
	var off, n int64
	if r.Suffix != nil {
		s := *r.Suffix
		if s <= 0 {
			return nil, ErrInvalidRange
		}
		s = min(s, size)
		off, n = size-s, s
	} else {
		if r.Offset != nil {
			off = *r.Offset
		}
		n = size - off
		if r.Length != nil {
			n = *r.Length
		}
	}
	if off < 0 || off > size || n <= 0 {
		return nil, ErrInvalidRange
	}
	if off+n > size {
		n = size - off
	}
	return &ByteRange{Offset: off, Length: n}, nil
}

// HeaderRange reads a Range header for an object of size bytes: one
// satisfiable range, or nil (the whole object) when the header is
// malformed or asks for several ranges, as R2 answers.
func HeaderRange(h string, size int64) *ByteRange {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return nil
		}
		n = min(n, size)
		return &ByteRange{Offset: size - n, Length: n}
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return nil
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return nil
		}
		end = min(e, size-1)
	}
	return &ByteRange{Offset: start, Length: end - start + 1}
}

// Resolver is what Get hands a Backend to turn the object's size into
// the range to read.
func (o GetOptions) Resolver() func(size int64) (*ByteRange, error) {
	if o.RangeHeader != "" {
		h := o.RangeHeader
		return func(size int64) (*ByteRange, error) { return HeaderRange(h, size), nil }
	}
	if o.Range == nil {
		return nil
	}
	r := o.Range
	return r.Resolve
}

// Digest computes an object's MD5 and the digests a writer supplied
// while its bytes stream past.
type Digest struct {
	hashes map[string]hash.Hash
	want   Checksums
}

var algorithms = []struct {
	name string
	new  func() hash.Hash
	get  func(*Checksums) *[]byte
}{
	{"MD5", md5.New, func(c *Checksums) *[]byte { return &c.MD5 }},
	{"SHA-1", sha1.New, func(c *Checksums) *[]byte { return &c.SHA1 }},
	{"SHA-256", sha256.New, func(c *Checksums) *[]byte { return &c.SHA256 }},
	{"SHA-384", sha512.New384, func(c *Checksums) *[]byte { return &c.SHA384 }},
	{"SHA-512", sha512.New, func(c *Checksums) *[]byte { return &c.SHA512 }},
}

// NewDigest starts the digests for a put that expects want.
func NewDigest(want Checksums) *Digest {
	d := &Digest{hashes: map[string]hash.Hash{}, want: want}
	for i, a := range algorithms {
		if i == 0 || *a.get(&want) != nil {
			d.hashes[a.name] = a.new()
		}
	}
	return d
}

func (d *Digest) Write(p []byte) (int, error) {
	for _, h := range d.hashes {
		h.Write(p)
	}
	return len(p), nil
}

// Sum returns the computed checksums, or a BadDigest error naming the
// first one that differs from what the writer supplied.
func (d *Digest) Sum() (Checksums, error) {
	var got Checksums
	for _, a := range algorithms {
		h, ok := d.hashes[a.name]
		if !ok {
			continue
		}
		sum := h.Sum(nil)
		*a.get(&got) = sum
		if want := *a.get(&d.want); want != nil && !equalBytes(want, sum) {
			return got, &Error{ErrBadDigest.Code, fmt.Sprintf("The %s checksum you specified did not match what we received.\nYou provided a %s checksum with value: %s\nActual %s was: %s",
				a.name, a.name, hex.EncodeToString(want), a.name, hex.EncodeToString(sum))}
		}
	}
	return got, nil
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

// MultipartETag is the ETag of a completed upload: the MD5 of its parts'
// binary MD5s, then "-" and the number of parts (as S3 and R2 make it).
func MultipartETag(partETags []string) string {
	h := md5.New()
	for _, e := range partETags {
		b, err := hex.DecodeString(strings.Trim(e, `"`))
		if err != nil {
			b = []byte(e)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partETags))
}

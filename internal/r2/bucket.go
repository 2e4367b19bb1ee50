package r2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"
)

// Bucket is one R2 bucket with R2's rules applied before its Backend
// sees a request: key and metadata limits, list limits, part numbers and
// part sizes. A worker's binding and the CLI both go through it.
type Bucket struct {
	Name    string
	backend Backend
	// MinPartSize is the smallest part but the last (R2: 5 MiB).
	MinPartSize int64
}

// NewBucket applies R2's rules to backend.
func NewBucket(name string, backend Backend) *Bucket {
	return &Bucket{Name: name, backend: backend, MinPartSize: MinPartSize}
}

// StorageClasses are the classes R2 accepts.
var StorageClasses = []string{"Standard", "InfrequentAccess"}

func checkKey(key string) error {
	if len(key) > MaxKeySize {
		return ErrInvalidObjectName
	}
	if !utf8.ValidString(key) {
		return ErrInvalidObjectName
	}
	return nil
}

// metadataSize counts custom metadata as R2 does: one byte per character,
// two when a string holds a character past U+00FF.
func metadataSize(m map[string]string) int {
	n := 0
	count := func(s string) int {
		chars := utf8.RuneCountInString(s)
		for _, r := range s {
			if r >= 256 {
				return chars * 2
			}
		}
		return chars
	}
	for k, v := range m {
		n += count(k) + count(v)
	}
	return n
}

func checkPutOptions(o *PutOptions) error {
	if metadataSize(o.Custom) > MaxMetadataSize {
		return ErrMetadataTooLarge
	}
	switch o.StorageClass {
	case "":
		o.StorageClass = "Standard"
	case "Standard", "InfrequentAccess":
	default:
		return ErrInvalidStorage
	}
	return nil
}

// Head returns the object's metadata, or nil when there is none.
func (b *Bucket) Head(ctx context.Context, key string) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	o, err := b.backend.Head(ctx, key)
	if errors.Is(err, ErrNoSuchKey) {
		return nil, nil
	}
	return o, err
}

// Get returns the object and its body (or its range). It returns (nil,
// nil) when there is no object, and the object with a nil body when
// onlyIf does not hold.
func (b *Bucket) Get(ctx context.Context, key string, o GetOptions) (*Object, io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	obj, body, err := b.backend.Get(ctx, key, o.Resolver(), o.OnlyIf)
	switch {
	case errors.Is(err, ErrNoSuchKey):
		return nil, nil, nil
	case errors.Is(err, ErrPreconditionFailed) && obj != nil:
		return obj, nil, nil
	}
	return obj, body, err
}

// Put stores size bytes from body. It returns nil (and no error) when
// onlyIf does not hold.
func (b *Bucket) Put(ctx context.Context, key string, body io.Reader, size int64, o PutOptions) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if size > MaxObjectSize {
		return nil, ErrEntityTooLarge
	}
	if err := checkPutOptions(&o); err != nil {
		return nil, err
	}
	obj, err := b.backend.Put(ctx, key, Exact(body, size), size, o)
	if errors.Is(err, ErrPreconditionFailed) {
		return nil, nil
	}
	return obj, err
}

// Delete removes up to 1,000 keys; absent keys are not an error.
func (b *Bucket) Delete(ctx context.Context, keys []string) error {
	if len(keys) > MaxListKeys {
		return argument(fmt.Sprintf("Too many keys to delete: %d (at most %d).", len(keys), MaxListKeys))
	}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return b.backend.Delete(ctx, keys)
}

// List returns one page of keys in byte order.
func (b *Bucket) List(ctx context.Context, o ListOptions) (*ListResult, error) {
	if o.Limit == 0 {
		o.Limit = MaxListKeys
	}
	if o.Limit < 1 || o.Limit > MaxListKeys {
		return nil, ErrInvalidMaxKeys
	}
	return b.backend.List(ctx, o)
}

// CreateMultipart opens a multipart upload and returns its id.
func (b *Bucket) CreateMultipart(ctx context.Context, key string, o PutOptions) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := checkPutOptions(&o); err != nil {
		return "", err
	}
	return b.backend.CreateMultipart(ctx, key, o)
}

// UploadPart stores one part of an open upload.
func (b *Bucket) UploadPart(ctx context.Context, key, uploadID string, number int, body io.Reader, size int64) (Part, error) {
	if err := checkKey(key); err != nil {
		return Part{}, err
	}
	if number < 1 || number > MaxParts {
		return Part{}, argument(fmt.Sprintf("Part number must be between 1 and %d (inclusive). Actual value was: %d", MaxParts, number))
	}
	if size > MaxPartSize {
		return Part{}, ErrEntityTooLarge
	}
	if uploadID == "" {
		return Part{}, ErrNoSuchUpload
	}
	return b.backend.UploadPart(ctx, key, uploadID, number, Exact(body, size), size)
}

// CompleteMultipart joins the listed parts into the object. Every part
// but the last must be at least MinPartSize, and all of them the same
// size, as R2 requires.
func (b *Bucket) CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	have, err := b.backend.ListParts(ctx, key, uploadID)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, ErrBadUpload
	}
	byNumber := map[int]Part{}
	for _, p := range have {
		byNumber[p.Number] = p
	}
	sorted := make([]Part, len(parts))
	for i, p := range parts {
		stored, ok := byNumber[p.Number]
		if !ok || stored.ETag != p.ETag {
			return nil, ErrInvalidPart
		}
		sorted[i] = stored
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Number == sorted[i-1].Number {
			return nil, ErrInvalidPart
		}
	}
	for i, p := range sorted[:len(sorted)-1] {
		if p.Size < b.MinPartSize {
			return nil, ErrEntityTooSmall
		}
		if i > 0 && p.Size != sorted[0].Size {
			return nil, ErrBadUpload
		}
	}
	if n := len(sorted); n > 1 && sorted[n-1].Size > sorted[0].Size {
		return nil, ErrBadUpload
	}
	return b.backend.CompleteMultipart(ctx, key, uploadID, sorted)
}

// AbortMultipart drops an upload and its parts.
func (b *Bucket) AbortMultipart(ctx context.Context, key, uploadID string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return b.backend.AbortMultipart(ctx, key, uploadID)
}

// Exact reads exactly size bytes from r: a body that ends early or runs
// long fails the write instead of storing something else.
func Exact(r io.Reader, size int64) io.Reader { return &exact{r: r, left: size, size: size} }

type exact struct {
	r          io.Reader
	left, size int64
}

func (e *exact) Read(p []byte) (int, error) {
	if e.left == 0 {
		// One more read must see EOF: the body may not be longer.
		var one [1]byte
		n, err := e.r.Read(one[:])
		if n > 0 {
			return 0, argument(fmt.Sprintf("The body is longer than its declared length of %d bytes.", e.size))
		}
		if err == nil {
			return 0, nil
		}
		if err == io.EOF {
			return 0, io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, argument(fmt.Sprintf("The body ended after %d of its declared %d bytes.", e.size-e.left, e.size))
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

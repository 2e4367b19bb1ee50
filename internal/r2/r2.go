// Package r2 is R2 object storage as Workers see it: objects with HTTP and
// custom metadata, conditional and ranged reads, checksummed writes,
// listing with delimiters and multipart uploads. The semantics (limits,
// validation, part-size rules, R2's error codes) live here once, in
// Bucket; a Backend only stores bytes and metadata (filestore for one
// machine, s3store for any S3-compatible service).
package r2

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// ValidBucketName is R2's rule for bucket names: 3 to 63 lowercase
// letters, digits and hyphens, starting and ending with a letter or digit.
var ValidBucketName = lazyregexp.New(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`).MatchString

// Limits, as R2 documents them (and Miniflare enforces).
const (
	MaxKeySize      = 1024                   // bytes of UTF-8
	MaxMetadataSize = 2048                   // custom metadata, keys + values
	MaxObjectSize   = 5<<30 - 5<<20          // 5 GiB - 5 MiB for a single put
	MaxListKeys     = 1000                   // list limit and bulk delete
	MinPartSize     = 5 << 20                // every part but the last
	MaxPartSize     = 5<<30 - 5<<20          // one uploadPart
	MaxParts        = 10000                  // part numbers 1..10000
	MaxMultipart    = MaxParts * MaxPartSize // a completed upload
)

// Object is an object's metadata (R2Object without its body).
type Object struct {
	Key          string            `json:"key"`
	Version      string            `json:"version"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"` // unquoted
	Uploaded     time.Time         `json:"-"`
	HTTP         HTTPMetadata      `json:"httpMetadata"`
	Custom       map[string]string `json:"customMetadata"`
	Checksums    Checksums         `json:"checksums"`
	StorageClass string            `json:"storageClass"`
	// Range is the part of the body a ranged get returns.
	Range *ByteRange `json:"range,omitempty"`
}

// ByteRange is a resolved range: Length bytes from Offset.
type ByteRange struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// HTTPMetadata are the HTTP headers stored with an object.
type HTTPMetadata struct {
	ContentType        string     `json:"contentType,omitempty"`
	ContentLanguage    string     `json:"contentLanguage,omitempty"`
	ContentDisposition string     `json:"contentDisposition,omitempty"`
	ContentEncoding    string     `json:"contentEncoding,omitempty"`
	CacheControl       string     `json:"cacheControl,omitempty"`
	CacheExpiry        *time.Time `json:"cacheExpiry,omitempty"`
}

// Checksums are an object's digests: MD5 always for a single put, and
// the one the writer supplied.
type Checksums struct {
	MD5    []byte `json:"md5,omitempty"`
	SHA1   []byte `json:"sha1,omitempty"`
	SHA256 []byte `json:"sha256,omitempty"`
	SHA384 []byte `json:"sha384,omitempty"`
	SHA512 []byte `json:"sha512,omitempty"`
}

// PutOptions go with a put or a createMultipartUpload.
type PutOptions struct {
	HTTP         HTTPMetadata
	Custom       map[string]string
	StorageClass string
	// Checksums holds the digests the writer expects; the store verifies
	// them and stores nothing when one differs.
	Checksums Checksums
	// OnlyIf makes the write conditional on the object it replaces.
	OnlyIf *Conditional
}

// GetOptions go with a get.
type GetOptions struct {
	Range *Range
	// RangeHeader is a Range header's value; a malformed one or several
	// ranges return the whole object, as R2 does.
	RangeHeader string
	OnlyIf      *Conditional
}

// ListOptions go with a list.
type ListOptions struct {
	Prefix     string
	Delimiter  string
	StartAfter string
	Cursor     string
	Limit      int // 1..1000; 0 means 1000
	// IncludeHTTP and IncludeCustom ask for the metadata that list leaves
	// out by default.
	IncludeHTTP, IncludeCustom bool
}

// ListResult is one page of a list.
type ListResult struct {
	Objects           []*Object
	DelimitedPrefixes []string
	Truncated         bool
	Cursor            string // set when Truncated
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int    `json:"partNumber"`
	ETag   string `json:"etag"`
	Size   int64  `json:"-"`
}

// BucketInfo describes a bucket for `outpost r2 bucket list`.
type BucketInfo struct {
	Name    string
	Created time.Time
}

// Store holds buckets.
type Store interface {
	CreateBucket(ctx context.Context, name string) error
	DeleteBucket(ctx context.Context, name string) error
	ListBuckets(ctx context.Context) ([]BucketInfo, error)
	// Backend is the bucket's storage; a bucket a worker is bound to is
	// created on first use, as wrangler dev does.
	Backend(name string) Backend
	// Where says where objects live, for the log.
	Where() string
	Close() error
}

// Backend stores one bucket's objects. It receives validated input;
// it evaluates onlyIf conditions against the object it reads or replaces
// in the same step (Conditional.Holds) and verifies checksums before an
// object becomes visible.
type Backend interface {
	// Head returns ErrNoSuchKey when the object is absent.
	Head(ctx context.Context, key string) (*Object, error)
	// Get opens the object's body, or the range rng resolves to (nil: the
	// whole body). When onlyIf does not hold it returns the object and
	// ErrPreconditionFailed.
	Get(ctx context.Context, key string, rng func(size int64) (*ByteRange, error), onlyIf *Conditional) (*Object, io.ReadCloser, error)
	// Put stores size bytes read from body.
	Put(ctx context.Context, key string, body io.Reader, size int64, o PutOptions) (*Object, error)
	Delete(ctx context.Context, keys []string) error
	List(ctx context.Context, o ListOptions) (*ListResult, error)

	CreateMultipart(ctx context.Context, key string, o PutOptions) (uploadID string, err error)
	UploadPart(ctx context.Context, key, uploadID string, number int, body io.Reader, size int64) (Part, error)
	// ListParts returns ErrNoSuchUpload for an upload that is not open.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (*Object, error)
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// Error is an R2 error: its v4 code and message, as the Workers API
// reports them ("get: The specified key does not exist. (10007)").
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is matches errors by code, so a BadDigest with details is still
// errors.Is(err, ErrBadDigest).
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// R2's errors (codes and messages from the R2 gateway, as Miniflare has them).
var (
	ErrInternal           = &Error{10001, "We encountered an internal error. Please try again."}
	ErrNoSuchKey          = &Error{10007, "The specified key does not exist."}
	ErrNoSuchBucket       = &Error{10006, "The specified bucket does not exist."}
	ErrEntityTooLarge     = &Error{100100, "Your proposed upload exceeds the maximum allowed object size."}
	ErrEntityTooSmall     = &Error{10011, "Your proposed upload is smaller than the minimum allowed object size."}
	ErrMetadataTooLarge   = &Error{10012, "Your metadata headers exceed the maximum allowed metadata size."}
	ErrInvalidObjectName  = &Error{10020, "The specified object name is not valid."}
	ErrInvalidMaxKeys     = &Error{10022, "MaxKeys params must be positive integer <= 1000."}
	ErrNoSuchUpload       = &Error{10024, "The specified multipart upload does not exist."}
	ErrInvalidPart        = &Error{10025, "One or more of the specified parts could not be found."}
	ErrInvalidArgument    = &Error{10029, "Invalid argument."}
	ErrPreconditionFailed = &Error{10031, "At least one of the pre-conditions you specified did not hold."}
	ErrBadDigest          = &Error{10037, "The Content-MD5 you specified did not match what we received."}
	ErrInvalidRange       = &Error{10039, "The requested range is not satisfiable"}
	ErrInvalidStorage     = &Error{10040, "The storage class you specified is not valid."}
	ErrBadUpload          = &Error{10048, "There was a problem with the multipart upload."}
	ErrBucketNotEmpty     = &Error{10008, "The bucket you tried to delete is not empty."}
	ErrBucketExists       = &Error{10004, "The bucket you tried to create already exists, and you own it."}
	ErrInvalidBucketName  = &Error{10005, "The specified bucket name is not valid."}
)

// argument is an InvalidArgument error with its reason.
func argument(msg string) *Error { return &Error{ErrInvalidArgument.Code, msg} }

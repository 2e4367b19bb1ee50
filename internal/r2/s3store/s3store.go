// Package s3store keeps R2 buckets in any S3-compatible store (AWS S3,
// MinIO, Ceph, SeaweedFS, Garage, R2 itself) through minio-go. What S3
// lacks is kept in the object's user metadata: R2's version id, the
// upload time in milliseconds, custom metadata with keys of any case,
// the storage class and the checksums a writer supplied.
package s3store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/outpost-dev/outpost/internal/r2"
)

// Options name the S3 service.
type Options struct {
	// Endpoint is the service's URL, e.g. "https://s3.eu-west-1.amazonaws.com"
	// or "http://127.0.0.1:8333".
	Endpoint string
	Region   string
	// AccessKey and SecretKey sign requests (empty: anonymous).
	AccessKey, SecretKey string
	// PathStyle puts the bucket in the path (http://host/bucket/key)
	// instead of the host name (http://bucket.host/key).
	PathStyle bool
	// BucketPrefix is put before every bucket name, so several Outpost
	// fleets (or tests) can share one account.
	BucketPrefix string
}

// Store is R2 over one S3 service.
type Store struct {
	core    minio.Core
	o       Options
	ensured sync.Map // bucket → true once it is known to exist
}

var _ r2.Store = (*Store)(nil)

// Open makes the client; it does not contact the service.
func Open(o Options) (*Store, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("r2: the S3 endpoint %q is not an http(s) URL", o.Endpoint)
	}
	lookup := minio.BucketLookupDNS
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       o.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("r2: S3 endpoint %s: %w", o.Endpoint, err)
	}
	return &Store{core: minio.Core{Client: client}, o: o}, nil
}

// Where names the endpoint, for the log.
func (s *Store) Where() string { return "S3 " + s.o.Endpoint }

// Close releases nothing: the client holds only idle connections.
func (s *Store) Close() error { return nil }

func (s *Store) bucket(name string) string { return s.o.BucketPrefix + name }

// CreateBucket makes a bucket in the service.
func (s *Store) CreateBucket(ctx context.Context, name string) error {
	err := s.core.MakeBucket(ctx, s.bucket(name), minio.MakeBucketOptions{Region: s.o.Region})
	if code(err) == "BucketAlreadyOwnedByYou" || code(err) == "BucketAlreadyExists" {
		return r2.ErrBucketExists
	}
	return mapErr(err)
}

// DeleteBucket removes an empty bucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	s.ensured.Delete(name)
	return mapErr(s.core.RemoveBucket(ctx, s.bucket(name)))
}

// ListBuckets lists the buckets that carry the prefix.
func (s *Store) ListBuckets(ctx context.Context) ([]r2.BucketInfo, error) {
	all, err := s.core.ListBuckets(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []r2.BucketInfo
	for _, b := range all {
		if name, ok := strings.CutPrefix(b.Name, s.o.BucketPrefix); ok {
			out = append(out, r2.BucketInfo{Name: name, Created: b.CreationDate})
		}
	}
	return out, nil
}

// Backend is one bucket; it is created in the service on first write.
func (s *Store) Backend(name string) r2.Backend {
	return &bucket{s: s, name: name, b: s.bucket(name)}
}

type bucket struct {
	s    *Store
	name string
	b    string
}

func (b *bucket) ensure(ctx context.Context) error {
	if _, ok := b.s.ensured.Load(b.name); ok {
		return nil
	}
	ok, err := b.s.core.BucketExists(ctx, b.b)
	if err != nil {
		return mapErr(err)
	}
	if !ok {
		err := b.s.core.MakeBucket(ctx, b.b, minio.MakeBucketOptions{Region: b.s.o.Region})
		if err != nil && code(err) != "BucketAlreadyOwnedByYou" && code(err) != "BucketAlreadyExists" {
			return mapErr(err)
		}
	}
	b.s.ensured.Store(b.name, true)
	return nil
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return minio.ToErrorResponse(err).Code
}

// mapErr turns S3's error codes into R2's.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var re *r2.Error
	if errors.As(err, &re) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey":
		return r2.ErrNoSuchKey
	case "NoSuchBucket":
		return r2.ErrNoSuchBucket
	case "NoSuchUpload":
		return r2.ErrNoSuchUpload
	case "PreconditionFailed":
		return r2.ErrPreconditionFailed
	case "InvalidRange":
		return r2.ErrInvalidRange
	case "InvalidPart", "InvalidPartOrder":
		return r2.ErrInvalidPart
	case "EntityTooSmall":
		return r2.ErrEntityTooSmall
	case "EntityTooLarge":
		return r2.ErrEntityTooLarge
	case "BucketNotEmpty":
		return r2.ErrBucketNotEmpty
	case "BadDigest":
		return r2.ErrBadDigest
	}
	if resp.StatusCode == http.StatusNotFound && resp.Code == "" {
		return r2.ErrNoSuchKey
	}
	if resp.StatusCode == http.StatusPreconditionFailed {
		return r2.ErrPreconditionFailed
	}
	return fmt.Errorf("S3: %w", err)
}

// User metadata keys (after x-amz-meta-) that carry what S3 lacks.
const (
	metaVersion  = "R2-Version"
	metaUploaded = "R2-Uploaded"
	metaHTTP     = "R2-Http"
	metaCustom   = "R2-Custom"
	metaClass    = "R2-Storage-Class"
	metaSums     = "R2-Checksums"
)

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// escape keeps a header value ASCII: JSON text may hold any character.
func escape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '%' {
			fmt.Fprintf(&sb, "%%%02X", c)
		} else {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// putOptions stores R2's metadata in S3: the HTTP fields as S3's own
// headers (so other S3 clients see them) and everything in user metadata.
func putOptions(o *r2.Object) minio.PutObjectOptions {
	h := o.HTTP
	httpJSON, _ := json.Marshal(h)
	custom := o.Custom
	if custom == nil {
		custom = map[string]string{}
	}
	customJSON, _ := json.Marshal(custom)
	sums := o.Checksums
	sums.MD5 = nil // the ETag is the MD5
	sumsJSON, _ := json.Marshal(sums)
	po := minio.PutObjectOptions{
		ContentType:        h.ContentType,
		ContentEncoding:    h.ContentEncoding,
		ContentDisposition: h.ContentDisposition,
		ContentLanguage:    h.ContentLanguage,
		CacheControl:       h.CacheControl,
		UserMetadata: map[string]string{
			metaVersion:  o.Version,
			metaUploaded: strconv.FormatInt(o.Uploaded.UnixMilli(), 10),
			metaHTTP:     escape(string(httpJSON)),
			metaCustom:   escape(string(customJSON)),
			metaClass:    o.StorageClass,
			metaSums:     escape(string(sumsJSON)),
		},
		DisableMultipart: true,
	}
	if po.ContentType == "" {
		po.ContentType = "application/octet-stream"
	}
	if h.CacheExpiry != nil {
		po.Expires = *h.CacheExpiry
	}
	return po
}

// objectFrom reads R2's view of an object from S3's answer.
func objectFrom(key string, info minio.ObjectInfo) *r2.Object {
	h := info.Metadata
	meta := func(k string) string { return h.Get("X-Amz-Meta-" + k) }
	o := &r2.Object{
		Key:          key,
		Size:         info.Size,
		ETag:         strings.Trim(info.ETag, `"`),
		Version:      meta(metaVersion),
		Uploaded:     info.LastModified,
		StorageClass: meta(metaClass),
	}
	if o.Version == "" {
		// An object written by another S3 client.
		o.Version = o.ETag
	}
	if ms, err := strconv.ParseInt(meta(metaUploaded), 10, 64); err == nil {
		o.Uploaded = time.UnixMilli(ms)
	}
	if o.StorageClass == "" {
		o.StorageClass = "Standard"
	}
	if v := meta(metaHTTP); v != "" {
		json.Unmarshal([]byte(unescape(v)), &o.HTTP)
	} else {
		o.HTTP = r2.HTTPMetadata{ContentType: info.ContentType, ContentEncoding: h.Get("Content-Encoding"),
			ContentDisposition: h.Get("Content-Disposition"), ContentLanguage: h.Get("Content-Language"), CacheControl: h.Get("Cache-Control")}
	}
	if v := meta(metaCustom); v != "" {
		json.Unmarshal([]byte(unescape(v)), &o.Custom)
	} else {
		o.Custom = map[string]string{}
		for k, vs := range info.UserMetadata {
			o.Custom[strings.ToLower(k)] = vs
		}
	}
	if v := meta(metaSums); v != "" {
		json.Unmarshal([]byte(unescape(v)), &o.Checksums)
	}
	if !strings.Contains(o.ETag, "-") {
		if md5, err := hex.DecodeString(o.ETag); err == nil && len(md5) == 16 {
			o.Checksums.MD5 = md5
		}
	}
	return o
}

func (b *bucket) Head(ctx context.Context, key string) (*r2.Object, error) {
	info, err := b.s.core.StatObject(ctx, b.b, key, minio.StatObjectOptions{})
	if err != nil {
		if code(err) == "NoSuchBucket" {
			return nil, r2.ErrNoSuchKey
		}
		return nil, mapErr(err)
	}
	return objectFrom(key, info), nil
}

func (b *bucket) Get(ctx context.Context, key string, rng func(int64) (*r2.ByteRange, error), onlyIf *r2.Conditional) (*r2.Object, io.ReadCloser, error) {
	var opts minio.GetObjectOptions
	var want *r2.ByteRange
	if rng != nil {
		// The range needs the size: stat first, then read that version
		// only (If-Match on its ETag).
		o, err := b.Head(ctx, key)
		if err != nil {
			return nil, nil, err
		}
		if !onlyIf.Holds(o) {
			return o, nil, r2.ErrPreconditionFailed
		}
		if want, err = rng(o.Size); err != nil {
			return nil, nil, err
		}
		if want != nil {
			opts.SetRange(want.Offset, want.Offset+want.Length-1)
		}
		opts.SetMatchETag(o.ETag)
	}
	body, info, hdr, err := b.s.core.GetObject(ctx, b.b, key, opts)
	if err != nil {
		if code(err) == "NoSuchBucket" {
			return nil, nil, r2.ErrNoSuchKey
		}
		return nil, nil, mapErr(err)
	}
	o := objectFrom(key, info)
	if want != nil {
		// S3 reports the range's length as the size.
		o.Range = want
		if total, ok := contentRangeTotal(hdr.Get("Content-Range")); ok {
			o.Size = total
		}
	}
	if !onlyIf.Holds(o) {
		body.Close()
		return o, nil, r2.ErrPreconditionFailed
	}
	return o, body, nil
}

func contentRangeTotal(h string) (int64, bool) {
	_, total, ok := strings.Cut(h, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil
}

func (b *bucket) Put(ctx context.Context, key string, body io.Reader, size int64, opts r2.PutOptions) (*r2.Object, error) {
	if err := b.ensure(ctx); err != nil {
		return nil, err
	}
	o := &r2.Object{Key: key, Version: newID(), Size: size, Uploaded: time.Now(), HTTP: opts.HTTP, Custom: opts.Custom, StorageClass: opts.StorageClass}
	var cond func(*minio.PutObjectOptions)
	if opts.OnlyIf != nil {
		prev, err := b.Head(ctx, key)
		if err != nil && !errors.Is(err, r2.ErrNoSuchKey) {
			return nil, err
		}
		if !opts.OnlyIf.Holds(prev) {
			return nil, r2.ErrPreconditionFailed
		}
		// The check is repeated by the service where it supports
		// conditional writes.
		cond = func(po *minio.PutObjectOptions) {
			if prev != nil {
				po.SetMatchETag(prev.ETag)
			} else {
				po.SetMatchETagExcept("*")
			}
		}
	}
	digest := r2.NewDigest(opts.Checksums)
	c := opts.Checksums
	verify := c.MD5 != nil || c.SHA1 != nil || c.SHA256 != nil || c.SHA384 != nil || c.SHA512 != nil
	target := key
	if verify {
		// S3 cannot check SHA-384/512 before the object is visible: write
		// it aside, check, then copy it into place.
		target = ".outpost-r2-upload/" + newID()
	}
	sums := r2.Checksums{}
	if verify {
		o.Checksums = c
	}
	po := putOptions(o)
	if cond != nil && !verify {
		cond(&po)
	}
	var data io.Reader = io.TeeReader(body, digest)
	if size == 0 {
		// A seekable empty body gets its Content-Length: 0.
		io.Copy(digest, body)
		data = bytes.NewReader(nil)
	}
	info, err := b.s.core.PutObject(ctx, b.b, target, data, size, "", "", po)
	if err != nil {
		return nil, mapErr(err)
	}
	sums, err = digest.Sum()
	if verify {
		defer b.s.core.RemoveObject(context.WithoutCancel(ctx), b.b, target, minio.RemoveObjectOptions{})
		if err != nil {
			return nil, err
		}
		dst := putOptions(o)
		if cond != nil {
			cond(&dst)
		}
		meta := map[string]string{"Content-Type": dst.ContentType}
		for k, v := range dst.UserMetadata {
			meta["X-Amz-Meta-"+k] = v
		}
		for k, v := range map[string]string{"Content-Encoding": dst.ContentEncoding, "Content-Disposition": dst.ContentDisposition,
			"Content-Language": dst.ContentLanguage, "Cache-Control": dst.CacheControl} {
			if v != "" {
				meta[k] = v
			}
		}
		if !dst.Expires.IsZero() {
			meta["Expires"] = dst.Expires.UTC().Format(http.TimeFormat)
		}
		ci, err := b.s.core.CopyObject(ctx, b.b, target, b.b, key, meta, minio.CopySrcOptions{}, dst)
		if err != nil {
			return nil, mapErr(err)
		}
		info.ETag = ci.ETag
	} else if err != nil {
		return nil, err
	}
	o.ETag = strings.Trim(info.ETag, `"`)
	sums.MD5, o.Checksums.MD5 = nil, sums.MD5
	o.Checksums.SHA1, o.Checksums.SHA256, o.Checksums.SHA384, o.Checksums.SHA512 = sums.SHA1, sums.SHA256, sums.SHA384, sums.SHA512
	return o, nil
}

func (b *bucket) Delete(ctx context.Context, keys []string) error {
	for _, k := range keys {
		err := b.s.core.RemoveObject(ctx, b.b, k, minio.RemoveObjectOptions{})
		if err != nil && code(err) != "NoSuchKey" && code(err) != "NoSuchBucket" {
			return mapErr(err)
		}
	}
	return nil
}

func (b *bucket) List(ctx context.Context, o r2.ListOptions) (*r2.ListResult, error) {
	// The cursor is the key the last page ended after (not S3's
	// continuation token, whose handling of delimited prefixes varies
	// between S3 implementations).
	after := o.StartAfter
	if o.Cursor != "" {
		c, err := base64.RawURLEncoding.DecodeString(o.Cursor)
		if err != nil {
			return nil, &r2.Error{Code: r2.ErrInvalidArgument.Code, Message: "The cursor is not valid."}
		}
		after = max(after, string(c))
	}
	res, err := b.s.core.ListObjectsV2(b.b, o.Prefix, after, "", o.Delimiter, o.Limit)
	if code(err) == "NoSuchBucket" {
		return &r2.ListResult{}, nil
	}
	if err != nil {
		return nil, mapErr(err)
	}
	out := &r2.ListResult{Truncated: res.IsTruncated}
	last := ""
	for _, p := range res.CommonPrefixes {
		out.DelimitedPrefixes = append(out.DelimitedPrefixes, p.Prefix)
		// U+10FFFF sorts after every key under the prefix.
		last = max(last, p.Prefix+"\U0010FFFF")
	}
	// Keys under a delimited prefix belong to the prefix (not every S3
	// implementation leaves them out of the contents).
	contents := res.Contents[:0]
	for _, c := range res.Contents {
		if o.Delimiter != "" && strings.Contains(strings.TrimPrefix(c.Key, o.Prefix), o.Delimiter) {
			continue
		}
		contents = append(contents, c)
		last = max(last, c.Key)
	}
	res.Contents = contents
	if res.IsTruncated {
		out.Cursor = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	// A listing carries no user metadata: R2's version and upload time
	// (and the metadata include asks for) come from a HEAD per object.
	out.Objects = make([]*r2.Object, len(res.Contents))
	errs := make([]error, len(res.Contents))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, c := range res.Contents {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			obj, err := b.Head(ctx, c.Key)
			if errors.Is(err, r2.ErrNoSuchKey) {
				return // deleted since the listing
			}
			out.Objects[i], errs[i] = obj, err
		}()
	}
	wg.Wait()
	kept := out.Objects[:0]
	for i, obj := range out.Objects {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if obj != nil {
			kept = append(kept, obj)
		}
	}
	out.Objects = kept
	return out, nil
}

func (b *bucket) CreateMultipart(ctx context.Context, key string, opts r2.PutOptions) (string, error) {
	if err := b.ensure(ctx); err != nil {
		return "", err
	}
	o := &r2.Object{Key: key, Version: newID(), Uploaded: time.Now(), HTTP: opts.HTTP, Custom: opts.Custom, StorageClass: opts.StorageClass}
	id, err := b.s.core.NewMultipartUpload(ctx, b.b, key, putOptions(o))
	return id, mapErr(err)
}

func (b *bucket) UploadPart(ctx context.Context, key, id string, number int, body io.Reader, size int64) (r2.Part, error) {
	p, err := b.s.core.PutObjectPart(ctx, b.b, key, id, number, body, size, minio.PutObjectPartOptions{})
	if err != nil {
		return r2.Part{}, mapErr(err)
	}
	return r2.Part{Number: number, ETag: strings.Trim(p.ETag, `"`), Size: size}, nil
}

func (b *bucket) ListParts(ctx context.Context, key, id string) ([]r2.Part, error) {
	var out []r2.Part
	marker := 0
	for {
		res, err := b.s.core.ListObjectParts(ctx, b.b, key, id, marker, 1000)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, p := range res.ObjectParts {
			out = append(out, r2.Part{Number: p.PartNumber, ETag: strings.Trim(p.ETag, `"`), Size: p.Size})
		}
		if !res.IsTruncated {
			return out, nil
		}
		marker = res.NextPartNumberMarker
	}
}

func (b *bucket) CompleteMultipart(ctx context.Context, key, id string, parts []r2.Part) (*r2.Object, error) {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	if _, err := b.s.core.CompleteMultipartUpload(ctx, b.b, key, id, cp, minio.PutObjectOptions{}); err != nil {
		return nil, mapErr(err)
	}
	return b.Head(ctx, key)
}

func (b *bucket) AbortMultipart(ctx context.Context, key, id string) error {
	return mapErr(b.s.core.AbortMultipartUpload(ctx, b.b, key, id))
}

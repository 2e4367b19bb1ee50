package config

import (
	"fmt"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// R2Bucket is one [[r2_buckets]] entry.
type R2Bucket struct {
	Binding           string
	BucketName        string
	PreviewBucketName string
	Jurisdiction      string // "", "eu" or "fedramp"
}

// r2BucketName is R2's rule: 3 to 63 lowercase letters, digits and
// hyphens, starting and ending with a letter or digit.
var r2BucketName = lazyregexp.New(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func readR2(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.R2Buckets = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "binding", "bucket_name", "preview_bucket_name", "jurisdiction", "remote", "experimental_remote")
		b, ok := r.required(m, "binding", ef)
		if !ok || !r.bindingName(b, ef+".binding") {
			continue
		}
		rb := R2Bucket{Binding: b, BucketName: r.optional(m, "bucket_name", ef), PreviewBucketName: r.optional(m, "preview_bucket_name", ef)}
		if _, ok := m["bucket_name"]; !ok {
			r.errorf(ef, "missing required field \"bucket_name\" (the R2 bucket binding %s uses)", b)
			continue
		}
		for _, field := range []string{"bucket_name", "preview_bucket_name"} {
			if name, set := m[field].(string); set && !r2BucketName.MatchString(name) {
				r.errorf(ef+"."+field, "expected a bucket name of 3 to 63 lowercase letters, digits and hyphens that starts and ends with a letter or digit, found %q", name)
			}
		}
		if j, ok := m["jurisdiction"]; ok {
			rb.Jurisdiction, _ = r.oneOf(j, ef+".jurisdiction", "eu", "fedramp")
		}
		c.R2Buckets = append(c.R2Buckets, rb)
	}
}

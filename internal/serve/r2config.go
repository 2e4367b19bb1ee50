package serve

import (
	"net/url"

	"github.com/outpost-dev/outpost/internal/r2/s3store"
)

// R2 says where R2 buckets live: an S3-compatible store when Endpoint is
// set, else files under StateDir/r2 (one node).
type R2 struct {
	// S3 is the store's client configuration; nil keeps buckets as files.
	S3 *s3store.Options
}

// rawR2 is the [r2] section:
//
//	[r2]
//	endpoint = "https://s3.eu-west-1.amazonaws.com"
//	region = "eu-west-1"
//	path_style = false
//	bucket_prefix = "outpost-"
//	access_key_id_env = "AWS_ACCESS_KEY_ID"          # the default
//	secret_access_key_env = "AWS_SECRET_ACCESS_KEY"  # the default
type rawR2 struct {
	Endpoint           string `toml:"endpoint"`
	Region             string `toml:"region"`
	PathStyle          bool   `toml:"path_style"`
	BucketPrefix       string `toml:"bucket_prefix"`
	AccessKeyIDEnv     string `toml:"access_key_id_env"`
	SecretAccessKeyEnv string `toml:"secret_access_key_env"`
}

// apply reads the section; credentials come from the environment, never
// from the file. OUTPOST_R2_ENDPOINT overrides the endpoint.
func (r rawR2) apply(getenv func(string) string, fail func(field, format string, args ...any) error) (R2, error) {
	if e := getenv("OUTPOST_R2_ENDPOINT"); e != "" {
		r.Endpoint = e
	}
	if r.Endpoint == "" {
		if r.Region != "" || r.PathStyle || r.BucketPrefix != "" || r.AccessKeyIDEnv != "" || r.SecretAccessKeyEnv != "" {
			return R2{}, fail("r2.endpoint", "is required when [r2] is set (the S3-compatible store's URL, e.g. \"https://s3.eu-west-1.amazonaws.com\")")
		}
		return R2{}, nil
	}
	u, err := url.Parse(r.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return R2{}, fail("r2.endpoint", "expected an http:// or https:// URL, got %q", r.Endpoint)
	}
	if u.User != nil {
		return R2{}, fail("r2.endpoint", "must not hold credentials; set them in the environment (%s and %s)", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
	}
	keyEnv, secretEnv := r.AccessKeyIDEnv, r.SecretAccessKeyEnv
	if keyEnv == "" {
		keyEnv = "AWS_ACCESS_KEY_ID"
	}
	if secretEnv == "" {
		secretEnv = "AWS_SECRET_ACCESS_KEY"
	}
	o := &s3store.Options{Endpoint: r.Endpoint, Region: r.Region, PathStyle: r.PathStyle, BucketPrefix: r.BucketPrefix,
		AccessKey: getenv(keyEnv), SecretKey: getenv(secretEnv)}
	if (o.AccessKey == "") != (o.SecretKey == "") {
		return R2{}, fail("r2", "only one of %s and %s is set in the environment", keyEnv, secretEnv)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	return R2{S3: o}, nil
}

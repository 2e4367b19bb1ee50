package s3store

import (
	"cmp"
	"os"
	"testing"

	"github.com/outpost-dev/outpost/internal/r2"
	"github.com/outpost-dev/outpost/internal/r2/r2test"
	"github.com/outpost-dev/outpost/internal/r2/s3server"
)

func TestConformance(t *testing.T) {
	r2test.Run(t, func(t *testing.T) r2.Store {
		endpoint := s3server.Start(t)
		s, err := Open(Options{Endpoint: endpoint, Region: s3server.Region, AccessKey: s3server.AccessKey, SecretKey: s3server.SecretKey, PathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, r2test.Quirks{WholeBodyMultipartETag: true})
}

// TestConformanceExternal runs the suite against another S3-compatible
// store when one is named: OUTPOST_R2_TEST_S3_ENDPOINT (with
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and OUTPOST_R2_TEST_S3_PATH_STYLE=1
// for MinIO, SeaweedFS, Garage or Ceph). Buckets it makes are prefixed
// "outpost-test-".
func TestConformanceExternal(t *testing.T) {
	endpoint := os.Getenv("OUTPOST_R2_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("OUTPOST_R2_TEST_S3_ENDPOINT is not set")
	}
	r2test.Run(t, func(t *testing.T) r2.Store {
		s, err := Open(Options{Endpoint: endpoint, Region: cmp.Or(os.Getenv("AWS_REGION"), "us-east-1"),
			AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
			PathStyle: os.Getenv("OUTPOST_R2_TEST_S3_PATH_STYLE") == "1", BucketPrefix: "outpost-test-"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, r2test.Quirks{})
}

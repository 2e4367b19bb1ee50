package s3store

import (
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

package platform

import (
	"strings"
	"testing"
)

// A deployed bundle's bucket names are checked: one names a directory of
// the node's state under outpost dev.
func TestBundleR2BucketNames(t *testing.T) {
	for name, ok := range map[string]bool{"photos": true, "my-bucket-1": true, "../escape": false, "UPPER": false, "ab": false, "": false} {
		b := &Bundle{Name: "w", Code: "x", R2Buckets: []R2Binding{{Binding: "B", Bucket: name}}}
		err := b.Validate()
		if (err == nil) != ok {
			t.Errorf("bucket %q: %v", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "bundle: r2_buckets[0]") {
			t.Errorf("bucket %q: %v", name, err)
		}
	}
}

package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadR2(t *testing.T, toml string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "index.js"), []byte(`export default { fetch() { return new Response("ok") } }`), 0o644)
	os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte("name = \"w\"\nmain = \"src/index.js\"\n"+toml), 0o644)
	return Load(Options{Dir: dir})
}

func TestR2Buckets(t *testing.T) {
	c, err := loadR2(t, `
[[r2_buckets]]
binding = "BUCKET"
bucket_name = "my-bucket"
preview_bucket_name = "my-bucket-preview"
jurisdiction = "eu"

[[r2_buckets]]
binding = "OTHER"
bucket_name = "other"
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []R2Bucket{{Binding: "BUCKET", BucketName: "my-bucket", PreviewBucketName: "my-bucket-preview", Jurisdiction: "eu"}, {Binding: "OTHER", BucketName: "other"}}
	if !reflect.DeepEqual(c.R2Buckets, want) {
		t.Errorf("R2Buckets = %+v", c.R2Buckets)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "r2") {
			t.Errorf("warning %q", w)
		}
	}
}

func TestR2BucketErrors(t *testing.T) {
	for _, tt := range []struct{ toml, want string }{
		{"[[r2_buckets]]\nbucket_name = \"b-b\"\n", `wrangler.toml: r2_buckets[0]: missing required field "binding"`},
		{"[[r2_buckets]]\nbinding = \"B\"\n", `wrangler.toml: r2_buckets[0]: missing required field "bucket_name" (the R2 bucket binding B uses)`},
		{"[[r2_buckets]]\nbinding = \"B\"\nbucket_name = \"My_Bucket\"\n", `wrangler.toml: r2_buckets[0].bucket_name: expected a bucket name of 3 to 63 lowercase letters`},
		{"[[r2_buckets]]\nbinding = \"B\"\nbucket_name = \"ok-name\"\npreview_bucket_name = \"x\"\n", `r2_buckets[0].preview_bucket_name: expected a bucket name`},
		{"[[r2_buckets]]\nbinding = \"B\"\nbucket_name = \"ok-name\"\njurisdiction = \"us\"\n", `r2_buckets[0].jurisdiction: expected one of ["eu" "fedramp"], found "us"`},
		{"[[r2_buckets]]\nbinding = 3\nbucket_name = \"ok-name\"\n", `r2_buckets[0].binding: expected a string`},
		{"r2_buckets = \"x\"\n", `r2_buckets: expected an array`},
		{"[vars]\nB = \"1\"\n[[r2_buckets]]\nbinding = \"B\"\nbucket_name = \"ok-name\"\n", `r2_buckets[0].binding: expected a unique binding name, found "B" which is also bound by vars.B`},
	} {
		_, err := loadR2(t, tt.toml)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\n got %v\nwant %s", tt.toml, err, tt.want)
		}
	}
}

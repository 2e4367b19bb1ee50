package serve

import (
	"strings"
	"testing"
)

func TestR2Config(t *testing.T) {
	c, err := parse(t, `
[r2]
endpoint = "http://127.0.0.1:8333"
path_style = true
bucket_prefix = "fleet-"
access_key_id_env = "S3_KEY"
secret_access_key_env = "S3_SECRET"
`, map[string]string{"S3_KEY": "k", "S3_SECRET": "s"})
	if err != nil {
		t.Fatal(err)
	}
	o := c.R2.S3
	if o == nil || o.Endpoint != "http://127.0.0.1:8333" || !o.PathStyle || o.BucketPrefix != "fleet-" || o.AccessKey != "k" || o.SecretKey != "s" || o.Region != "us-east-1" {
		t.Errorf("r2 = %+v", o)
	}
	// Defaults: files under state_dir; AWS_* credentials; the endpoint from the environment.
	if c, _ := parse(t, ``, nil); c.R2.S3 != nil {
		t.Errorf("no [r2] gave %+v", c.R2.S3)
	}
	c, err = parse(t, ``, map[string]string{"OUTPOST_R2_ENDPOINT": "https://s3.example.com", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})
	if err != nil || c.R2.S3 == nil || c.R2.S3.Endpoint != "https://s3.example.com" || c.R2.S3.AccessKey != "a" {
		t.Errorf("OUTPOST_R2_ENDPOINT: %+v %v", c.R2.S3, err)
	}
	for _, tc := range []struct{ text, want string }{
		{"[r2]\nregion = \"eu\"\n", "outpost.toml: r2.endpoint: is required when [r2] is set"},
		{"[r2]\nendpoint = \"s3.example.com\"\n", `r2.endpoint: expected an http:// or https:// URL, got "s3.example.com"`},
		{"[r2]\nendpoint = \"https://key:secret@s3.example.com\"\n", "r2.endpoint: must not hold credentials"},
		{"[r2]\nendpoint = \"https://s3.example.com\"\naccess_key_id_env = \"ONLY\"\n", "r2: only one of ONLY and AWS_SECRET_ACCESS_KEY is set"},
		{"[r2]\nendpoint = \"https://s3.example.com\"\nsurprise = 1\n", `unknown field "r2.surprise"`},
	} {
		_, err := parse(t, tc.text, map[string]string{"ONLY": "x"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

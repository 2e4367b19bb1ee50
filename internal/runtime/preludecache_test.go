package runtime

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPreludeCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OUTPOST_CACHE_DIR", dir)
	exts := []Extension{{Name: "probe", Module: "globalThis.__probe = 1;"}}
	want, err := bundlePrelude(preludeFS, exts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cachedPrelude(preludeFS, exts)
	if err != nil || got != want {
		t.Fatalf("first start: err %v, same as bundled: %v", err, got == want)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "prelude", "*.js"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one bundle", files)
	}
	// A later start reads the bundle back rather than bundling again.
	os.WriteFile(files[0], []byte("/* cached */"), 0o644)
	if got, _ := cachedPrelude(preludeFS, exts); got != "/* cached */" {
		t.Errorf("second start bundled again")
	}
	// Other inputs are another entry.
	exts[0].Module = "globalThis.__probe = 2;"
	got, err = cachedPrelude(preludeFS, exts)
	if err != nil || got == "/* cached */" {
		t.Errorf("a changed extension reused the old bundle (err %v)", err)
	}
	// Writing an entry removes those of other builds not written for a
	// week, and keeps recent ones.
	stale, recent := filepath.Join(dir, "prelude", "stale.js"), filepath.Join(dir, "prelude", "recent.js")
	os.WriteFile(stale, []byte("old"), 0o644)
	os.WriteFile(recent, []byte("new"), 0o644)
	old := time.Now().Add(-8 * 24 * time.Hour)
	os.Chtimes(stale, old, old)
	exts[0].Module = "globalThis.__probe = 3;"
	if _, err := cachedPrelude(preludeFS, exts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a week-old entry was kept (%v)", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent entry was removed: %v", err)
	}
	// Without a cache directory, the prelude is bundled each time.
	t.Setenv("OUTPOST_CACHE_DIR", "")
	if got, err := cachedPrelude(preludeFS, exts); err != nil || got == "" {
		t.Errorf("uncached: %v", err)
	}
}

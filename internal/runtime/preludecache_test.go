package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("first start: err %v, same as bundled: %v", err, reflect.DeepEqual(got, want))
	}
	if len(want.Units) != len(lazyUnits) || !strings.Contains(want.Core, "__probe = 1") {
		t.Fatalf("bundle has %d units (want %d), extension in core: %v", len(want.Units), len(lazyUnits), strings.Contains(want.Core, "__probe = 1"))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "prelude", "*.bundle"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one bundle", files)
	}
	// What is read back is what was bundled.
	if got, err := cachedPrelude(preludeFS, exts); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read back: err %v, same as bundled: %v", err, reflect.DeepEqual(got, want))
	}
	// A later start reads the bundle back rather than bundling again.
	os.WriteFile(files[0], encodePrelude(&Prelude{Core: "/* cached */", Units: map[string]string{"u": "(function () {})"}}), 0o644)
	if got, _ := cachedPrelude(preludeFS, exts); got.Core != "/* cached */" {
		t.Errorf("second start bundled again")
	}
	// An entry that does not read back is bundled again.
	os.WriteFile(files[0], []byte("core 99\n/* cached */"), 0o644)
	if got, err := cachedPrelude(preludeFS, exts); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("a damaged entry was not bundled again (err %v)", err)
	}
	// Other inputs are another entry.
	exts[0].Module = "globalThis.__probe = 2;"
	got, err = cachedPrelude(preludeFS, exts)
	if err != nil || got.Core == "/* cached */" || !strings.Contains(got.Core, "__probe = 2") {
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
	if got, err := cachedPrelude(preludeFS, exts); err != nil || got.Core == "" {
		t.Errorf("uncached: %v", err)
	}
}

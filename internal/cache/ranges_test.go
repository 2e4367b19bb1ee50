package cache

import (
	"reflect"
	"testing"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		header string
		want   []byteRange // nil with ok: the whole body
		ok     bool
	}{
		{"bytes=0-0", []byteRange{{0, 0}}, true},
		{"bytes=2-4", []byteRange{{2, 4}}, true},
		{"BYTES = 2-4", []byteRange{{2, 4}}, true},
		{"  bytes=  1 - 3 ", []byteRange{{1, 3}}, true},
		{"bytes=3-", []byteRange{{3, 9}}, true},
		{"bytes=5-100", []byteRange{{5, 9}}, true},
		{"bytes=-3", []byteRange{{7, 9}}, true},
		{"bytes=-10", nil, true},
		{"bytes=-0", nil, true},
		{"bytes=", nil, true},
		{"bytes=0-1,3-4", []byteRange{{0, 1}, {3, 4}}, true},
		{"bytes=0-1,-2", []byteRange{{0, 1}, {8, 9}}, true},
		{"bytes=10-", nil, false},
		{"bytes=10-20", nil, false},
		{"bytes=4-2", nil, false},
		{"bytes=-", nil, false},
		{"bytes=a-b", nil, false},
		{"bytes=1", nil, false},
		{"bytes=0-1,,3-4", nil, false},
		{"items=0-1", nil, false},
		{"bytes 0-1", nil, false},
		{"bytes=+1-2", nil, false},
	}
	for _, tc := range cases {
		got, ok := parseRange(tc.header, 10)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseRange(%q) = %v, %v; want %v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := parseRange("bytes=0-", 0); ok {
		t.Errorf("a range of an empty body must be unsatisfiable")
	}
}

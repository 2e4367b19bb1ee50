package d1binding

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/outpost-dev/outpost/internal/d1"
)

func TestParam(t *testing.T) {
	for in, want := range map[string]any{
		`null`: nil, `"s"`: "s", `42`: int64(42), `-7`: int64(-7), `1.5`: 1.5, `1e300`: 1e300,
		`9007199254740993`: int64(9007199254740993), `[1,2,255]`: []byte{1, 2, 255}, `[258,-1]`: []byte{2, 255}, `[]`: []byte{},
	} {
		got, err := param(json.RawMessage(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("param(%s) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, bad := range []string{`{}`, `true`, `["a"]`} {
		if _, err := param(json.RawMessage(bad)); err == nil {
			t.Errorf("param(%s) accepted", bad)
		}
	}
}

func TestEncodeResults(t *testing.T) {
	out := encodeResults([]d1.Result{{
		Columns: []string{"a", "b", "c", "d", "e"},
		Rows:    [][]any{{nil, int64(math.MaxInt64), math.Inf(1), "x\"<", []byte{0, 9}}},
		Meta:    d1.Meta{ServedBy: d1.ServedBy, Changes: 1},
	}, {}}, "00000000000000ff")
	want := `{"results":[{"columns":["a","b","c","d","e"],"rows":[[null,9223372036854775807,1e999,"x\"\u003c",[0,9]]],` +
		`"meta":{"served_by":"outpost.db","duration":0,"changes":1,"last_row_id":0,"changed_db":false,"size_after":0,"rows_read":0,"rows_written":0}},` +
		`{"columns":[],"rows":[],"meta":{"served_by":"","duration":0,"changes":0,"last_row_id":0,"changed_db":false,"size_after":0,"rows_read":0,"rows_written":0}}],"bookmark":"00000000000000ff"}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

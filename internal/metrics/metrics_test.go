package metrics

import (
	"strings"
	"testing"
)

func TestTextFormat(t *testing.T) {
	r := NewRegistry()
	req := r.Counter("outpost_requests_total", "Requests served.", "worker", "status")
	req.With("api", "200").Add(2)
	req.With("api", "500").Inc()
	req.With(`we"ird\`+"\n", "200").Inc()
	g := r.Gauge("outpost_up", "Always 1.")
	g.With().Set(1)
	r.GaugeFunc("outpost_instances", "Instances.", []string{"worker"}, func(emit func(float64, ...string)) {
		emit(3, "b")
		emit(2, "a")
	})
	h := r.Histogram("outpost_duration_seconds", "Latency.", []float64{0.1, 1}, "worker")
	h.Observe(0.05, "api")
	h.Observe(0.5, "api")
	h.Observe(5, "api")

	var sb strings.Builder
	if _, err := r.WriteTo(&sb); err != nil {
		t.Fatal(err)
	}
	want := `# HELP outpost_requests_total Requests served.
# TYPE outpost_requests_total counter
outpost_requests_total{worker="api",status="200"} 2
outpost_requests_total{worker="api",status="500"} 1
outpost_requests_total{worker="we\"ird\\\n",status="200"} 1
# HELP outpost_up Always 1.
# TYPE outpost_up gauge
outpost_up 1
# HELP outpost_instances Instances.
# TYPE outpost_instances gauge
outpost_instances{worker="a"} 2
outpost_instances{worker="b"} 3
# HELP outpost_duration_seconds Latency.
# TYPE outpost_duration_seconds histogram
outpost_duration_seconds_bucket{worker="api",le="0.1"} 1
outpost_duration_seconds_bucket{worker="api",le="1"} 2
outpost_duration_seconds_bucket{worker="api",le="+Inf"} 3
outpost_duration_seconds_sum{worker="api"} 5.55
outpost_duration_seconds_count{worker="api"} 3
`
	if sb.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", sb.String(), want)
	}
}

func TestLabelCountChecked(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c", "c", "a")
	defer func() {
		if recover() == nil {
			t.Error("With with the wrong number of label values did not panic")
		}
	}()
	c.With("x", "y")
}

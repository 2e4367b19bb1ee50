package metrics

import (
	"bufio"
	"fmt"
	"sort"
	"sync"
)

// DefaultBuckets suit request latencies in seconds, 1 ms to 30 s.
var DefaultBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Histogram is a histogram family with labels.
type Histogram struct {
	meta
	buckets []float64
	mu      sync.Mutex
	series  map[string]*histSeries
	values  map[string][]string
}

type histSeries struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

// Histogram registers a histogram family with upper bounds buckets
// (sorted; +Inf is implied).
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Histogram {
	b := append([]float64(nil), buckets...)
	sort.Float64s(b)
	h := &Histogram{meta: meta{name: name, help: help, typ: "histogram", labels: labels}, buckets: b,
		series: map[string]*histSeries{}, values: map[string][]string{}}
	r.add(name, h)
	return h
}

// Observe records one value for the label values.
func (h *Histogram) Observe(v float64, values ...string) {
	h.check(values)
	k := key(values)
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.series[k]
	if s == nil {
		s = &histSeries{counts: make([]uint64, len(h.buckets))}
		h.series[k] = s
		h.values[k] = append([]string(nil), values...)
	}
	if i := sort.SearchFloat64s(h.buckets, v); i < len(h.buckets) {
		s.counts[i]++
	}
	s.count++
	s.sum += v
}

func (h *Histogram) write(w *bufio.Writer) {
	h.header(w)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range sortedKeys(h.series) {
		s, vals := h.series[k], h.values[k]
		var cum uint64
		for i, ub := range h.buckets {
			cum += s.counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelString(h.labels, vals, "le", formatFloat(ub)), cum)
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelString(h.labels, vals, "le", "+Inf"), s.count)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, labelString(h.labels, vals), formatFloat(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, labelString(h.labels, vals), s.count)
	}
}

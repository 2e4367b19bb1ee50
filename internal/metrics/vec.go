package metrics

import (
	"bufio"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Value is one counter or gauge series.
type Value struct{ bits atomic.Uint64 }

// Add adds d (counters: d >= 0).
func (v *Value) Add(d float64) {
	for {
		old := v.bits.Load()
		if v.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Inc adds one.
func (v *Value) Inc() { v.Add(1) }

// Set replaces the value (gauges).
func (v *Value) Set(x float64) { v.bits.Store(math.Float64bits(x)) }

// Get reads the value.
func (v *Value) Get() float64 { return math.Float64frombits(v.bits.Load()) }

// Vec is a counter or gauge family with labels.
type Vec struct {
	meta
	mu     sync.Mutex
	series map[string]*Value
	values map[string][]string
}

// Counter registers a counter family.
func (r *Registry) Counter(name, help string, labels ...string) *Vec {
	return r.vec(name, help, "counter", labels)
}

// Gauge registers a gauge family.
func (r *Registry) Gauge(name, help string, labels ...string) *Vec {
	return r.vec(name, help, "gauge", labels)
}

func (r *Registry) vec(name, help, typ string, labels []string) *Vec {
	v := &Vec{meta: meta{name: name, help: help, typ: typ, labels: labels}, series: map[string]*Value{}, values: map[string][]string{}}
	r.add(name, v)
	return v
}

// With returns the series for the label values, in the order the labels
// were declared.
func (v *Vec) With(values ...string) *Value {
	v.check(values)
	k := key(values)
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.series[k]
	if s == nil {
		s = &Value{}
		v.series[k] = s
		v.values[k] = append([]string(nil), values...)
	}
	return s
}

// Delete drops a series (a worker that was removed).
func (v *Vec) Delete(values ...string) {
	v.mu.Lock()
	delete(v.series, key(values))
	delete(v.values, key(values))
	v.mu.Unlock()
}

func (v *Vec) write(w *bufio.Writer) {
	v.header(w)
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, k := range sortedKeys(v.series) {
		fmt.Fprintf(w, "%s%s %s\n", v.name, labelString(v.labels, v.values[k]), formatFloat(v.series[k].Get()))
	}
}

// Func is a gauge family whose values are read when scraped.
type Func struct {
	meta
	collect func(emit func(value float64, labelValues ...string))
}

// GaugeFunc registers a gauge family computed at scrape time.
func (r *Registry) GaugeFunc(name, help string, labels []string, collect func(emit func(value float64, labelValues ...string))) {
	r.add(name, &Func{meta: meta{name: name, help: help, typ: "gauge", labels: labels}, collect: collect})
}

func (f *Func) write(w *bufio.Writer) {
	f.header(w)
	var lines []string
	f.collect(func(value float64, values ...string) {
		f.check(values)
		lines = append(lines, fmt.Sprintf("%s%s %s\n", f.name, labelString(f.labels, values), formatFloat(value)))
	})
	sort.Strings(lines)
	w.WriteString(strings.Join(lines, ""))
}

// Each calls f with every series' value and label values.
func (v *Vec) Each(f func(value float64, labelValues ...string)) {
	v.mu.Lock()
	type entry struct {
		val    float64
		labels []string
	}
	var all []entry
	for k, s := range v.series {
		all = append(all, entry{s.Get(), v.values[k]})
	}
	v.mu.Unlock()
	for _, e := range all {
		f(e.val, e.labels...)
	}
}

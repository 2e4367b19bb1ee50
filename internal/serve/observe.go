package serve

import (
	"net/http"
	"strings"

	"github.com/outpost-dev/outpost/internal/metrics"
)

// observer holds the server's Prometheus metrics.
type observer struct {
	reg         *metrics.Registry
	requests    *metrics.Vec
	duration    *metrics.Histogram
	exceptions  *metrics.Vec
	cpuExceeded *metrics.Vec
	subrequests *metrics.Vec
	recycled    *metrics.Vec
	discarded   *metrics.Vec
	deploys     *metrics.Vec
	cpu         *metrics.Vec
	storage     map[string]*metrics.Vec // "kv", "cache", "r2"
}

func newObserver(s *Server) *observer {
	reg := metrics.NewRegistry()
	o := &observer{
		reg: reg,
		requests: reg.Counter("outpost_requests_total",
			"Requests served, by worker, matched route pattern and response status.", "worker", "route", "status"),
		duration: reg.Histogram("outpost_request_duration_seconds",
			"Time from a request's arrival to the end of its response, by worker.", metrics.DefaultBuckets, "worker"),
		exceptions: reg.Counter("outpost_exceptions_total",
			"Requests that ended with an uncaught exception, by worker.", "worker"),
		cpuExceeded: reg.Counter("outpost_cpu_limit_exceeded_total",
			"Invocations stopped by the CPU time limit, by worker.", "worker"),
		subrequests: reg.Counter("outpost_subrequests_total",
			"Subrequests made by workers: fetch() to the network, or a service binding.", "worker", "kind"),
		recycled: reg.Counter("outpost_instances_recycled_total",
			"Instances replaced between requests, by worker and reason.", "worker", "reason"),
		discarded: reg.Counter("outpost_code_discards_total",
			"Times a resting instance dropped its compiled code (discard_code_after), by worker.", "worker"),
		deploys: reg.Counter("outpost_deployments_applied_total",
			"Versions this node switched to (deploys, rollbacks, changes seen in the store).", "worker"),
	}
	o.cpu = reg.Counter("outpost_cpu_seconds_total",
		"CPU time used by each worker's instances (their VM threads), sampled every few seconds.", "worker")
	o.storage = registerStorageMetrics(reg)
	reg.GaugeFunc("outpost_instances", "Running instances (JavaScript VMs), by worker.", []string{"worker"},
		func(emit func(float64, ...string)) {
			for _, ws := range s.snapshot() {
				if w := ws.current(); w != nil {
					emit(float64(len(w.Instances())), ws.name)
				}
			}
		})
	reg.GaugeFunc("outpost_inflight_requests", "Invocations running now, by worker.", []string{"worker"},
		func(emit func(float64, ...string)) {
			for _, ws := range s.snapshot() {
				if w := ws.current(); w != nil {
					n := 0
					for _, in := range w.Instances() {
						n += in.Inflight()
					}
					emit(float64(n), ws.name)
				}
			}
		})
	reg.GaugeFunc("outpost_instance_heap_bytes", "JavaScript heap, with array buffers and other external memory, of each worker's instances, last measured.", []string{"worker"},
		func(emit func(float64, ...string)) {
			for _, ws := range s.snapshot() {
				emit(float64(ws.heapBytes.Load()), ws.name)
			}
		})
	reg.GaugeFunc("outpost_worker_version", "The deployed version each worker serves (0: built from its project directory).", []string{"worker"},
		func(emit func(float64, ...string)) {
			for _, ws := range s.snapshot() {
				if ws.current() != nil {
					emit(float64(ws.version()), ws.name)
				}
			}
		})
	reg.GaugeFunc("outpost_ready", "1 while the node takes traffic, 0 before start-up ends and while shutting down.", nil,
		func(emit func(float64, ...string)) {
			if s.Ready() {
				emit(1)
			} else {
				emit(0)
			}
		})
	return o
}

// countingTransport counts a worker's subrequests to the network.
type countingTransport struct {
	next  http.RoundTripper
	count *metrics.Value
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.count.Inc()
	return t.next.RoundTrip(r)
}

// routeLabel keeps the metrics' route label bounded: the pattern, not the URL.
func routeLabel(r *Route) string {
	if r == nil {
		return ""
	}
	return strings.ToLower(r.Pattern)
}

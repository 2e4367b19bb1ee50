package serve

import (
	"github.com/outpost-dev/outpost/internal/metrics"
)

// storageMetrics counts storage operations per worker and their outcome
// (hit, miss, ok, error).
func registerStorageMetrics(reg *metrics.Registry) map[string]*metrics.Vec {
	out := map[string]*metrics.Vec{}
	for _, kind := range []string{"kv", "cache", "r2"} {
		out[kind] = reg.Counter("outpost_"+kind+"_operations_total",
			"Operations on "+kind+" bindings by worker, operation and result (hit and miss for lookups).", "worker", "op", "result")
		vec := out[kind]
		reg.GaugeFunc("outpost_"+kind+"_hit_ratio", "Share of "+kind+" lookups that found an entry, by worker, since start.", []string{"worker"},
			func(emit func(float64, ...string)) {
				hits, misses := map[string]float64{}, map[string]float64{}
				vec.Each(func(v float64, labels ...string) {
					switch labels[2] {
					case "hit":
						hits[labels[0]] += v
					case "miss":
						misses[labels[0]] += v
					}
				})
				for w, h := range hits {
					emit(h/(h+misses[w]), w)
				}
				for w := range misses {
					if _, ok := hits[w]; !ok {
						emit(0, w)
					}
				}
			})
	}
	return out
}

// observeOp counts the workers' storage and service operations (the
// node's hook, called by the bindings themselves).
func (s *Server) observeOp(worker, family, op, result string) {
	if family == "service" {
		s.obs.subrequests.With(worker, "service").Inc()
		return
	}
	if vec := s.obs.storage[family]; vec != nil {
		vec.With(worker, op, result).Inc()
	}
}

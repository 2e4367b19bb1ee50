package serve

import (
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/metrics"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// storageOp names an op of a storage binding to count: lookup ops
// resolve to null on a miss (cacheMatch), or to [null, …] (kvGet).
type storageOp struct {
	op     string // the ops name, e.g. "cacheMatch"
	label  string // the metric's op label, e.g. "match"
	lookup bool
}

// countedOps are the storage ops whose calls the metrics count.
var countedOps = map[string][]storageOp{
	"cache": {
		{op: "cacheMatch", label: "match", lookup: true},
		{op: "cachePut", label: "put"},
		{op: "cacheDelete", label: "delete"},
	},
	"kv": {
		{op: "kvGet", label: "get", lookup: true},
		{op: "kvGetBulk", label: "get_bulk"},
		{op: "kvPut", label: "put"},
		{op: "kvDelete", label: "delete"},
		{op: "kvList", label: "list"},
	},
}

// storageMetrics counts storage operations per worker and their outcome
// (hit, miss, ok, error).
func registerStorageMetrics(reg *metrics.Registry) map[string]*metrics.Vec {
	out := map[string]*metrics.Vec{}
	for _, kind := range []string{"kv", "cache"} {
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

// metricsExtension wraps the storage ops other extensions installed, so
// their calls are counted. It must be installed after them.
func (s *Server) metricsExtension(in *runtime.Instance, c *jsc.Context, ops jsc.Value) error {
	worker := in.Config().Name
	for kind, list := range countedOps {
		vec := s.obs.storage[kind]
		for _, so := range list {
			orig := ops.Get(so.op)
			if !orig.IsFunction() {
				continue
			}
			// Kept for the instance's life: the VM is destroyed with it.
			h := orig.Keep()
			so := so
			err := ops.Set(so.op, c.Function(so.op, func(call *jsc.Call) (jsc.Value, error) {
				p, err := h.Value().Call(call.This, call.Args...)
				if err != nil {
					vec.With(worker, so.label, "error").Inc()
					return p, err
				}
				if err := p.Then(func(v jsc.Value) {
					switch {
					case !so.lookup:
						vec.With(worker, so.label, "ok").Inc()
					case v.IsNullish() || (v.IsArray() && v.Index(0).IsNull()):
						vec.With(worker, so.label, "miss").Inc()
					default:
						vec.With(worker, so.label, "hit").Inc()
					}
				}, func(jsc.Value) {
					vec.With(worker, so.label, "error").Inc()
				}); err != nil {
					// Not a promise: count the synchronous result.
					vec.With(worker, so.label, "ok").Inc()
				}
				return p, nil
			}))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

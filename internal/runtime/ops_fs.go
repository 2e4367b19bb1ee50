package runtime

import (
	"path"
	"sort"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// installFSOps backs node:fs's virtual file system (prelude/node/fs.js):
// what /bundle holds, and which invocation a /tmp operation belongs to
// (each invocation sees its own /tmp, dropped once it has ended).
func (in *Instance) installFSOps(def func(string, jsc.Func)) {
	// fsBundle() → [{name, bytes}]: the worker's bundled script.
	def("fsBundle", func(call *jsc.Call) (jsc.Value, error) {
		c := call.Ctx
		arr, err := c.ParseJSON("[]")
		if err != nil {
			return arr, err
		}
		name := path.Base(in.cfg.Script.URL)
		if name == "." || name == "/" || name == "" {
			name = "worker.js"
		}
		f := c.Object()
		f.Set("name", c.String(name))
		b, err := c.Bytes([]byte(in.cfg.Script.Code))
		if err != nil {
			return arr, err
		}
		f.Set("bytes", b)
		arr.SetIndex(0, f)
		return arr, nil
	})
	// fsInvocation() → the running invocation's id (0 outside one).
	def("fsInvocation", func(call *jsc.Call) (jsc.Value, error) {
		return call.Ctx.Number(float64(in.cur)), nil
	})
	// fsLiveInvocations() → the ids of the invocations still running.
	def("fsLiveInvocations", func(call *jsc.Call) (jsc.Value, error) {
		ids := make([]int, 0, len(in.reqs))
		for id := range in.reqs {
			ids = append(ids, int(id))
		}
		sort.Ints(ids)
		arr, err := call.Ctx.ParseJSON("[]")
		if err != nil {
			return arr, err
		}
		for i, id := range ids {
			arr.SetIndex(i, call.Ctx.Number(float64(id)))
		}
		return arr, nil
	})
}

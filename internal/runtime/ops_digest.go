package runtime

import (
	"hash"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// installDigestOps adds incremental hashing for crypto.DigestStream: the
// stream feeds each chunk as it is written instead of buffering them all.
func (in *Instance) installDigestOps(c *jsc.Context, def func(string, jsc.Func)) {
	var next int64
	hashes := map[int64]hash.Hash{}

	def("digestNew", func(call *jsc.Call) (jsc.Value, error) {
		h := newHash(call.Arg(0).String())
		if h == nil {
			return jsc.Value{}, jsc.Throw(domException(call.Ctx, "Unrecognized algorithm name", "NotSupportedError"))
		}
		next++
		hashes[next] = h
		return call.Ctx.Number(float64(next)), nil
	})
	def("digestUpdate", func(call *jsc.Call) (jsc.Value, error) {
		h, ok := hashes[call.Arg(0).Int()]
		if !ok {
			return jsc.Value{}, jsc.TypeError("digestUpdate: the digest has already finished")
		}
		b, ok := call.Arg(1).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("digestUpdate: data must be an ArrayBuffer or ArrayBufferView")
		}
		h.Write(b)
		return call.Ctx.Undefined(), nil
	})
	def("digestFinish", func(call *jsc.Call) (jsc.Value, error) {
		id := call.Arg(0).Int()
		h, ok := hashes[id]
		if !ok {
			return jsc.Value{}, jsc.TypeError("digestFinish: the digest has already finished")
		}
		delete(hashes, id)
		return arrayBuffer(call.Ctx, h.Sum(nil))
	})
	def("digestDrop", func(call *jsc.Call) (jsc.Value, error) {
		delete(hashes, call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
}

package runtime

import (
	"strings"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/weburl"
)

// installURLOps backs the prelude's URL class with the WHATWG parser in Go.
func (in *Instance) installURLOps(c *jsc.Context, def func(string, jsc.Func)) {
	def("urlParse", func(call *jsc.Call) (jsc.Value, error) {
		base := call.Arg(1)
		parts, ok := weburl.ParseComponents(call.Arg(0).String(), base.String(), !base.IsUndefined())
		if !ok {
			return call.Ctx.Null(), nil
		}
		return call.Ctx.String(strings.Join(parts, "\n")), nil
	})
	def("urlSet", func(call *jsc.Call) (jsc.Value, error) {
		parts, ok := weburl.SetComponent(call.Arg(0).String(), call.Arg(1).String(), call.Arg(2).String())
		if !ok {
			return call.Ctx.Null(), nil
		}
		return call.Ctx.String(strings.Join(parts, "\n")), nil
	})
}

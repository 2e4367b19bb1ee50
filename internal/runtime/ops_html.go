package runtime

import (
	"encoding/json"

	"github.com/outpost-dev/outpost/internal/htmlrewrite"
	"github.com/outpost-dev/outpost/internal/jsc"
)

// HTMLRewriter: Go tokenizes the stream and matches selectors
// (internal/htmlrewrite); JavaScript runs the handlers and writes the
// output. Each pushed chunk comes back as one batch of events.

// htmlRewriter runs the tokenizer on a feeder's goroutine; the events are
// taken on the VM thread only while the tokenizer waits for input (the
// feeder's channels order the two).
type htmlRewriter struct {
	*feeder
	core *htmlrewrite.Rewriter
}

func newHTMLRewriter(cfg htmlrewrite.Config) (*htmlRewriter, error) {
	core, err := htmlrewrite.New(cfg)
	if err != nil {
		return nil, err
	}
	f, err := startFeeder(core.Run)
	if err != nil {
		return nil, err
	}
	return &htmlRewriter{feeder: f, core: core}, nil
}

func (rw *htmlRewriter) Read([]byte) (int, error) { return 0, errNotReadable }

func (in *Instance) installHTMLOps(def func(string, jsc.Func)) {
	// htmlSelector(selector) throws a TypeError for a selector the
	// rewriter cannot match.
	def("htmlSelector", func(call *jsc.Call) (jsc.Value, error) {
		if _, err := htmlrewrite.ParseSelector(call.Arg(0).String()); err != nil {
			return jsc.Value{}, jsc.TypeError("%v", err)
		}
		return call.Ctx.Undefined(), nil
	})
	// htmlNew(configJSON) → id
	def("htmlNew", func(call *jsc.Call) (jsc.Value, error) {
		var cfg htmlrewrite.Config
		if err := json.Unmarshal([]byte(call.Arg(0).String()), &cfg); err != nil {
			return jsc.Value{}, jsc.TypeError("htmlNew: %v", err)
		}
		rw, err := newHTMLRewriter(cfg)
		if err != nil {
			return jsc.Value{}, jsc.TypeError("%v", err)
		}
		rw.charge = in.chargeOffThread
		return call.Ctx.Number(float64(in.streams.add(rw))), nil
	})
	def("htmlClose", func(call *jsc.Call) (jsc.Value, error) {
		in.streams.close(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	// htmlPush(id, bytes) and htmlEnd(id) → the events, parsed.
	def("htmlPush", func(call *jsc.Call) (jsc.Value, error) {
		return in.htmlStep(call, false)
	})
	def("htmlEnd", func(call *jsc.Call) (jsc.Value, error) {
		return in.htmlStep(call, true)
	})
}

func (in *Instance) htmlStep(call *jsc.Call, end bool) (jsc.Value, error) {
	id := call.Arg(0).Int()
	rw, ok := in.streams.get(id).(*htmlRewriter)
	if !ok {
		return jsc.Value{}, jsc.TypeError("the HTMLRewriter stream is closed")
	}
	var err error
	if end {
		err = rw.finish()
		in.streams.close(id)
	} else {
		b, ok := call.Arg(1).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("HTMLRewriter: a body chunk must be an ArrayBuffer or ArrayBufferView")
		}
		err = rw.push(b)
	}
	if err != nil {
		in.streams.close(id)
		return jsc.Value{}, jsc.TypeError("HTMLRewriter: %v", err)
	}
	js, err := rw.core.TakeJSON()
	if err != nil {
		return jsc.Value{}, err
	}
	return call.Ctx.ParseJSON(string(js))
}

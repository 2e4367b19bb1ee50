package runtime

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// installOps puts the core ops on the object the prelude captures.
func (in *Instance) installOps(c *jsc.Context, ops jsc.Value) {
	def := func(name string, fn jsc.Func) { ops.Set(name, c.Function(name, fn)) }

	def("registerHooks", func(call *jsc.Call) (jsc.Value, error) {
		if in.hooks != nil {
			return jsc.Value{}, jsc.TypeError("hooks are already registered")
		}
		in.hooks = call.Arg(0).Keep()
		return call.Ctx.Undefined(), nil
	})
	def("loadPreludeUnit", func(call *jsc.Call) (jsc.Value, error) {
		return in.loadPreludeUnit(call.Ctx, call.Arg(0).String(), call.Arg(1))
	})
	def("log", func(call *jsc.Call) (jsc.Value, error) {
		text := call.Arg(1).String()
		if in.cfg.Script.Stack != nil && strings.Contains(text, in.cfg.Script.URL+":") {
			// console.error(err) prints the bundle's positions; show the
			// sources' instead, as for uncaught errors.
			text = in.cfg.Script.Stack.RewriteStack(text)
		}
		in.host.LogContext(in.opContext(), in.cfg.Name, call.Arg(0).String(), text)
		return call.Ctx.Undefined(), nil
	})
	def("monotonicNow", func(call *jsc.Call) (jsc.Value, error) {
		return call.Ctx.Number(float64(time.Since(in.start).Nanoseconds()) / 1e6), nil
	})
	def("randomFill", func(call *jsc.Call) (jsc.Value, error) {
		b, ok := call.Arg(0).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("randomFill: expected a typed array")
		}
		rand.Read(b)
		return call.Arg(0), nil
	})
	def("digest", func(call *jsc.Call) (jsc.Value, error) {
		h := newHash(call.Arg(0).String())
		if h == nil {
			return jsc.Value{}, jsc.Throw(domException(call.Ctx, "Unrecognized algorithm name", "NotSupportedError"))
		}
		b, ok := call.Arg(1).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("digest: data must be an ArrayBuffer or ArrayBufferView")
		}
		h.Write(b)
		return call.Ctx.Bytes(h.Sum(nil))
	})
	def("utf8Encode", func(call *jsc.Call) (jsc.Value, error) {
		s := call.Arg(0).String()
		v, buf, err := call.Ctx.NewBytes(len(s))
		copy(buf, s)
		return v, err
	})
	def("utf8Decode", func(call *jsc.Call) (jsc.Value, error) {
		b, ok := call.Arg(0).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("The \"input\" argument must be an instance of ArrayBuffer or ArrayBufferView")
		}
		fatal, ignoreBOM := call.Arg(1).Bool(), call.Arg(2).Bool()
		if !ignoreBOM && len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
			b = b[3:]
		}
		if fatal && !utf8.Valid(b) {
			return jsc.Value{}, jsc.TypeError("The encoded data was not valid for encoding utf-8")
		}
		// String conversion replaces invalid sequences with U+FFFD.
		return call.Ctx.String(strings.ToValidUTF8(string(b), "\uFFFD")), nil
	})
	in.installURLOps(c, def)
	in.installExtras(c, def)
	in.installSubtleOps(c, def)
	in.installDigestOps(c, def)
	in.installEncodingOps(c, def)
	in.installTimerOps(c, def)
	def("streamRead", func(call *jsc.Call) (jsc.Value, error) {
		return in.streamRead(call.Ctx, call.Arg(0).Int())
	})
	def("streamReadAll", func(call *jsc.Call) (jsc.Value, error) {
		return in.streamReadAll(call.Ctx, call.Arg(0).Int(), call.Arg(1).Bool())
	})
	def("streamCancel", func(call *jsc.Call) (jsc.Value, error) {
		in.streams.close(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	def("fetch", func(call *jsc.Call) (jsc.Value, error) {
		return in.opFetch(call)
	})
	def("fetchAbort", func(call *jsc.Call) (jsc.Value, error) {
		in.abortFetch(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	def("waitUntil", func(call *jsc.Call) (jsc.Value, error) {
		in.waitUntil(call.Ctx, call.Arg(0).Int(), call.Arg(1))
		return call.Ctx.Undefined(), nil
	})
	in.installRPCOps(c, def)
}

func newHash(alg string) hash.Hash {
	switch strings.ToUpper(alg) {
	case "SHA-1":
		return sha1.New()
	case "SHA-256":
		return sha256.New()
	case "SHA-384":
		return sha512.New384()
	case "SHA-512":
		return sha512.New()
	case "MD5":
		return md5.New()
	}
	return nil
}

// domException makes a DOMException if the prelude defined one, else an Error.
func domException(c *jsc.Context, message, name string) jsc.Value {
	ctor := c.Global().Get("DOMException")
	if ctor.IsObject() {
		if v, err := ctor.New(c.String(message), c.String(name)); err == nil {
			return v
		}
	}
	return c.NewError("Error", message)
}

// reportUncaught logs an exception that escaped to the event loop.
func (in *Instance) reportUncaught(err error) {
	se := in.scriptError("", err)
	in.host.Log(in.cfg.Name, "error", "Uncaught "+se.Error())
}

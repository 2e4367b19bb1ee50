package runtime

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/webcrypto"
)

// keyTable holds the key material of one instance's CryptoKeys; JS holds
// only the handle, so key bytes never sit in a user-visible property. It
// is touched only on the VM thread.
type keyTable struct {
	next int64
	keys map[int64]*webcrypto.Key
}

func (t *keyTable) add(k *webcrypto.Key) int64 {
	t.next++
	t.keys[t.next] = k
	return t.next
}

func (t *keyTable) get(v jsc.Value) (*webcrypto.Key, error) {
	k, ok := t.keys[v.Int()]
	if !ok {
		return nil, &webcrypto.Error{Name: "InvalidAccessError", Message: "The CryptoKey's key material is gone."}
	}
	return k, nil
}

// subtleThrow turns a webcrypto.Error into the DOMException it names.
func subtleThrow(c *jsc.Context, err error) error {
	var se *webcrypto.Error
	if errors.As(err, &se) {
		return jsc.Throw(domException(c, se.Message, se.Name))
	}
	return err
}

// installSubtleOps adds the crypto.subtle ops (prelude/subtle.js).
func (in *Instance) installSubtleOps(c *jsc.Context, def func(string, jsc.Func)) {
	keys := &keyTable{keys: map[int64]*webcrypto.Key{}}

	def("subtleImport", func(call *jsc.Call) (jsc.Value, error) {
		format, alg, curve := call.Arg(0).String(), call.Arg(1).String(), call.Arg(2).String()
		var data []byte
		if format == "jwk" {
			data = []byte(call.Arg(3).String())
		} else if b, ok := call.Arg(3).BytesView(); ok {
			data = b
		} else {
			return jsc.Value{}, jsc.TypeError("importKey: key data must be an ArrayBuffer or ArrayBufferView")
		}
		k, err := webcrypto.ImportKey(format, alg, curve, data)
		if err != nil {
			return jsc.Value{}, subtleThrow(call.Ctx, err)
		}
		return keyInfo(call.Ctx, keys.add(k), k)
	})
	def("subtleExport", func(call *jsc.Call) (jsc.Value, error) {
		format := call.Arg(0).String()
		k, err := keys.get(call.Arg(1))
		if err == nil && format == "jwk" {
			var j *webcrypto.JWK
			if j, err = webcrypto.ExportJWK(k); err == nil {
				b, _ := json.Marshal(j)
				return call.Ctx.String(string(b)), nil
			}
		}
		var out []byte
		if err == nil {
			out, err = webcrypto.ExportKey(format, k)
		}
		if err != nil {
			return jsc.Value{}, subtleThrow(call.Ctx, err)
		}
		return arrayBuffer(call.Ctx, out)
	})
	def("subtleGenerate", func(call *jsc.Call) (jsc.Value, error) {
		alg := call.Arg(0).String()
		p, err := readParams(call.Arg(1), keys)
		if err != nil {
			return jsc.Value{}, subtleThrow(call.Ctx, err)
		}
		// Key generation (RSA above all) runs off the VM thread; its CPU
		// time counts against the invocation.
		return in.asyncCPU(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			pub, priv, err := webcrypto.GenerateKey(alg, p)
			return func(c *jsc.Context) (jsc.Value, error) {
				if err != nil {
					return jsc.Value{}, subtleThrow(c, err)
				}
				out := c.Object()
				pv, err := keyInfo(c, keys.add(priv), priv)
				if err != nil {
					return jsc.Value{}, err
				}
				out.Set("private", pv)
				if pub != nil {
					pb, err := keyInfo(c, keys.add(pub), pub)
					if err != nil {
						return jsc.Value{}, err
					}
					out.Set("public", pb)
				}
				return out, nil
			}, nil
		})
	})
	def("subtleRun", func(call *jsc.Call) (jsc.Value, error) {
		op, alg := call.Arg(0).String(), call.Arg(1).String()
		k, err := keys.get(call.Arg(2))
		if err != nil {
			return jsc.Value{}, subtleThrow(call.Ctx, err)
		}
		p, err := readParams(call.Arg(3), keys)
		if err != nil {
			return jsc.Value{}, subtleThrow(call.Ctx, err)
		}
		data, _ := call.Arg(4).BytesView()
		var out []byte
		switch op {
		case "encrypt":
			out, err = webcrypto.Encrypt(alg, k, p, data)
		case "decrypt":
			out, err = webcrypto.Decrypt(alg, k, p, data)
		case "sign":
			out, err = webcrypto.Sign(alg, k, p, data)
		case "verify":
			var ok bool
			if ok, err = webcrypto.Verify(alg, k, p, data); err == nil {
				return call.Ctx.Bool(ok), nil
			}
		case "deriveBits":
			out, err = webcrypto.DeriveBits(alg, k, p)
		default:
			err = &webcrypto.Error{Name: "NotSupportedError", Message: fmt.Sprintf("Unrecognized operation %q.", op)}
		}
		if err != nil {
			return jsc.Value{}, subtleThrow(call.Ctx, err)
		}
		return arrayBuffer(call.Ctx, out)
	})
	def("subtleRelease", func(call *jsc.Call) (jsc.Value, error) {
		delete(keys.keys, call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
}

func arrayBuffer(c *jsc.Context, b []byte) (jsc.Value, error) {
	v, buf, err := c.NewArrayBuffer(len(b))
	copy(buf, b)
	return v, err
}

// keyInfo describes key material to the prelude's CryptoKey.
func keyInfo(c *jsc.Context, handle int64, k *webcrypto.Key) (jsc.Value, error) {
	o := c.Object()
	o.Set("handle", c.Number(float64(handle)))
	o.Set("type", c.String(k.Type()))
	d := k.Details()
	if d.Length != 0 {
		o.Set("length", c.Number(float64(d.Length)))
	}
	if d.NamedCurve != "" {
		o.Set("namedCurve", c.String(d.NamedCurve))
	}
	if d.ModulusLength != 0 {
		o.Set("modulusLength", c.Number(float64(d.ModulusLength)))
		e, err := c.Bytes(d.PublicExponent)
		if err != nil {
			return jsc.Value{}, err
		}
		o.Set("publicExponent", e)
	}
	return o, nil
}

// readParams copies a normalized algorithm dictionary out of JS.
func readParams(v jsc.Value, keys *keyTable) (*webcrypto.Params, error) {
	p := &webcrypto.Params{}
	if !v.IsObject() {
		return p, nil
	}
	str := func(name string) (string, bool) {
		f := v.Get(name)
		if f.IsNullish() {
			return "", false
		}
		return f.String(), true
	}
	num := func(name string) (int, bool) {
		f := v.Get(name)
		if f.IsNullish() {
			return 0, false
		}
		return int(f.Int()), true
	}
	buf := func(name string) []byte {
		b, _ := v.Get(name).CopyBytes()
		return b
	}
	p.Hash, p.HasHash = str("hash")
	p.Curve, _ = str("namedCurve")
	p.IV, p.AdditionalData, p.Counter, p.Label = buf("iv"), buf("additionalData"), buf("counter"), buf("label")
	p.Salt, p.Info, p.Signature, p.PublicExponent = buf("salt"), buf("info"), buf("signature"), buf("publicExponent")
	p.TagLength, _ = num("tagLength")
	p.Length, p.HasLength = num("length")
	p.SaltLength, _ = num("saltLength")
	p.Iterations, _ = num("iterations")
	p.ModulusLength, _ = num("modulusLength")
	if h := v.Get("publicHandle"); !h.IsNullish() {
		k, err := keys.get(h)
		if err != nil {
			return nil, err
		}
		p.Public = k
	}
	return p, nil
}

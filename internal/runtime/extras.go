package runtime

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"hash"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// installExtras adds the ops behind the platform APIs beyond the core
// (nodejs_compat modules, compression, HTMLRewriter) and tells the prelude
// what the worker's compatibility settings turn on. It runs before the
// prelude, so module-scope `require("node:…")` in the worker's script
// already finds the modules.
func (in *Instance) installExtras(c *jsc.Context, def func(string, jsc.Func)) {
	in.installCompressOps(def)
	in.installHTMLOps(def)
	in.installWebSocketOps(def)
	in.installZlibOps(def)
	in.installSocketOps(def)
	in.installDNSOps(def)
	in.installFSOps(def)
	def("hmac", opHMAC)
	def("nodeConfig", func(call *jsc.Call) (jsc.Value, error) {
		return in.nodeConfig(call.Ctx)
	})
}

// nodeConfig is what the node modules need to know at start: whether
// nodejs_compat is on and, when process.env is populated, its strings.
func (in *Instance) nodeConfig(c *jsc.Context) (jsc.Value, error) {
	o := c.Object()
	o.Set("nodeCompat", c.Bool(in.cfg.NodeCompat))
	if in.cfg.NodeCompat && in.cfg.PopulateProcessEnv {
		env := c.Object()
		// process.env holds strings: text vars as they are, JSON vars as
		// their JSON text, and secrets. Other bindings stay on env only.
		for name, v := range in.cfg.Bindings.Vars {
			s, ok := v.(string)
			if !ok {
				b, err := json.Marshal(v)
				if err != nil {
					return jsc.Value{}, fmt.Errorf("vars.%s: %w", name, err)
				}
				s = string(b)
			}
			env.Set(name, c.String(s))
		}
		for name, s := range in.cfg.Bindings.Secrets {
			env.Set(name, c.String(s))
		}
		o.Set("env", env)
	}
	return o, nil
}

// opHMAC is hmac(hash, key, data) → the MAC, for node:crypto's createHmac.
func opHMAC(call *jsc.Call) (jsc.Value, error) {
	alg := call.Arg(0).String()
	if newHash(alg) == nil {
		return jsc.Value{}, jsc.TypeError("Invalid digest: %s", alg)
	}
	key, ok := call.Arg(1).CopyBytes()
	if !ok {
		return jsc.Value{}, jsc.TypeError("hmac: the key must be a typed array")
	}
	data, ok := call.Arg(2).BytesView()
	if !ok {
		return jsc.Value{}, jsc.TypeError("hmac: the data must be a typed array")
	}
	m := hmac.New(func() hash.Hash { return newHash(alg) }, key)
	m.Write(data)
	return call.Ctx.Bytes(m.Sum(nil))
}

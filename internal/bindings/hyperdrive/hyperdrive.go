// Package hyperdrivebinding is the Hyperdrive binding ([[hyperdrive]]):
// the database's connection string and its parts, and connect() for a TCP
// socket to it. Locally the binding reaches the configured database
// directly, as under wrangler dev.
package hyperdrivebinding

import (
	_ "embed"
	"encoding/json"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed hyperdrive.js
var module string

// Extension is the Hyperdrive family (hyperdrive.js).
func Extension() runtime.Extension { return runtime.Extension{Name: "hyperdrive", Module: module} }

// Binding is one Hyperdrive binding: its connection parts, or the error
// its use gives (config.HyperdriveBindings makes them).
type Binding struct{ Spec map[string]any }

// Kind names the JavaScript factory (hyperdrive.js).
func (Binding) Kind() string { return "hyperdrive" }

// Install makes the host object: { spec }.
func (b Binding) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	data, err := json.Marshal(b.Spec)
	if err != nil {
		return jsc.Value{}, err
	}
	spec, err := c.ParseJSON(string(data))
	if err != nil {
		return spec, err
	}
	obj := c.Object()
	return obj, obj.Set("spec", spec)
}

package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/outpost-dev/outpost/internal/bundle"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Bundle is one version of a worker as `outpost deploy` uploads it: the
// bundled script and the settings of its wrangler config the server needs,
// without the project directory. Local secrets (.dev.vars) are not part
// of it; the server's [workers.vars] supply secrets.
type Bundle struct {
	Name              string           `json:"name"`
	Code              string           `json:"code"`
	SourceMap         json.RawMessage  `json:"source_map,omitempty"`
	Modules           bool             `json:"modules"`
	CompatibilityDate string           `json:"compatibility_date,omitempty"`
	CompatibilityFlag []string         `json:"compatibility_flags,omitempty"`
	Vars              map[string]any   `json:"vars,omitempty"`
	KVNamespaces      []KVBinding      `json:"kv_namespaces,omitempty"`
	Services          []ServiceBinding `json:"services,omitempty"`
	Crons             []string         `json:"crons,omitempty"`
	CPUMs             int              `json:"cpu_ms,omitempty"`
	Subrequests       int              `json:"subrequests,omitempty"`
}

// KVBinding binds a KV namespace id to a name on env.
type KVBinding struct {
	Binding string `json:"binding"`
	ID      string `json:"id"`
}

// ServiceBinding binds another worker of the server to a name on env.
type ServiceBinding struct {
	Binding string `json:"binding"`
	Service string `json:"service"`
}

// MaxBundleSize caps an uploaded bundle, as Cloudflare caps a worker's
// compressed size at 10 MB on paid plans (uncompressed text is larger).
const MaxBundleSize = 64 << 20

// BundleFromProject turns a project build into a deployable bundle.
func BundleFromProject(b *project.Build) *Bundle {
	cfg := b.Config
	out := &Bundle{
		Name:              b.Runtime.Name,
		Code:              b.Runtime.Script.Code,
		Modules:           b.Runtime.Script.Modules,
		CompatibilityDate: cfg.CompatibilityDate,
		CompatibilityFlag: cfg.CompatibilityFlags,
		Vars:              cfg.Vars,
		Crons:             cfg.Crons,
		CPUMs:             cfg.Limits.CPUMs,
		Subrequests:       cfg.Limits.Subrequests,
	}
	if b.SourceMap != nil {
		out.SourceMap = b.SourceMap.JSON
	}
	for _, ns := range cfg.KVNamespaces {
		id := ns.ID
		if id == "" {
			id = ns.Binding
		}
		out.KVNamespaces = append(out.KVNamespaces, KVBinding{Binding: ns.Binding, ID: id})
	}
	for _, s := range cfg.Services {
		out.Services = append(out.Services, ServiceBinding{Binding: s.Binding, Service: s.Service})
	}
	return out
}

// Validate checks what the server relies on.
func (b *Bundle) Validate() error {
	if !validName(b.Name) {
		return fmt.Errorf("bundle: %q is not a valid worker name", b.Name)
	}
	if b.Code == "" {
		return errors.New("bundle: the code is empty")
	}
	for i, s := range b.Services {
		if s.Binding == "" || !validName(s.Service) {
			return fmt.Errorf("bundle: services[%d]: binding and service are required", i)
		}
	}
	for i, k := range b.KVNamespaces {
		if k.Binding == "" || k.ID == "" {
			return fmt.Errorf("bundle: kv_namespaces[%d]: binding and id are required", i)
		}
	}
	return nil
}

// Hash identifies a bundle's content.
func (b *Bundle) Hash() string {
	data, _ := json.Marshal(b)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// runtimeConfig makes the runtime configuration of a bundle for worker w:
// the server's limits and vars apply on top of the bundle's own.
func (b *Bundle) runtimeConfig(w *WorkerConfig, host *runtime.Host) (*runtime.Config, error) {
	rc := &runtime.Config{
		Name: w.Name,
		Script: runtime.Script{
			Code:    b.Code,
			URL:     "worker.js",
			Modules: b.Modules,
		},
		Bindings: runtime.Bindings{
			Vars:    map[string]any{},
			Secrets: map[string]string{},
			Extra:   map[string]map[string]any{},
		},
		CPULimit:        w.Limits.CPU,
		SubrequestLimit: b.Subrequests,
		Host:            host,
		NodeCompat:      (&config.Config{CompatibilityFlags: b.CompatibilityFlag}).NodeCompat(),
	}
	for _, f := range b.CompatibilityFlag {
		if f == "nodejs_compat_populate_process_env" {
			rc.PopulateProcessEnv = true
		}
	}
	// The wrangler config's cpu_ms may lower the server's limit, never raise it.
	if b.CPUMs > 0 {
		if d := time.Duration(b.CPUMs) * time.Millisecond; d < rc.CPULimit {
			rc.CPULimit = d
		}
	}
	if len(b.SourceMap) > 0 {
		sm, err := bundle.ParseSourceMap(b.SourceMap)
		if err != nil {
			return nil, fmt.Errorf("worker %s: %w", w.Name, err)
		}
		rc.Script.Stack = stackMapper{sm, rc.Script.URL}
	}
	for k, v := range b.Vars {
		rc.Bindings.Vars[k] = v
	}
	for k, v := range w.Vars {
		rc.Bindings.Secrets[k] = v
		delete(rc.Bindings.Vars, k)
	}
	for _, ns := range b.KVNamespaces {
		rc.Bindings.Extra[ns.Binding] = map[string]any{"__kind": "kv", "id": ns.ID}
	}
	for _, s := range b.Services {
		rc.Bindings.Extra[s.Binding] = map[string]any{"__kind": "service", "service": s.Service}
	}
	return rc, nil
}

type stackMapper struct {
	m   *bundle.SourceMap
	url string
}

func (s stackMapper) RewriteStack(stack string) string { return s.m.RewriteStack(stack, s.url) }

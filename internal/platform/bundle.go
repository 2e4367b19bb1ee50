package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outpost-dev/outpost/internal/bundle"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/lazyregexp"
	"github.com/outpost-dev/outpost/internal/r2"
)

// Bundle is one version of a worker: the bundled script and what its
// wrangler config says about it, without the project directory. A project
// builds to one (internal/project) and `outpost deploy` uploads one; the
// node turns either into a running worker the same way. Local secrets
// (.dev.vars) are not part of it.
type Bundle struct {
	Name              string           `json:"name"`
	Code              string           `json:"code"`
	SourceMap         json.RawMessage  `json:"source_map,omitempty"`
	Modules           bool             `json:"modules"`
	CompatibilityDate string           `json:"compatibility_date,omitempty"`
	CompatibilityFlag []string         `json:"compatibility_flags,omitempty"`
	Vars              map[string]any   `json:"vars,omitempty"`
	KVNamespaces      []KVBinding      `json:"kv_namespaces,omitempty"`
	R2Buckets         []R2Binding      `json:"r2_buckets,omitempty"`
	Services          []ServiceBinding `json:"services,omitempty"`
	// DurableObjects are the namespace bindings; ObjectClasses the
	// worker's own Durable Object classes (true: SQLite-backed), from its
	// migrations.
	DurableObjects []DurableObjectBinding `json:"durable_objects,omitempty"`
	ObjectClasses  map[string]bool        `json:"durable_object_classes,omitempty"`
	// Hyperdrive are the [[hyperdrive]] bindings' connection parts. They
	// hold a password, so a deploy does not upload them: a worker run from
	// its project directory has them.
	Hyperdrive map[string]map[string]any `json:"-"`
	// D1Databases bind D1 databases, by name, to names on env.
	D1Databases []D1Binding `json:"d1_databases,omitempty"`
	// AssetsBinding names the static assets binding ([assets] binding);
	// the assets themselves come with the worker's settings.
	AssetsBinding string `json:"assets_binding,omitempty"`
	// QueueProducers bind queues to names on env; QueueConsumers are the
	// queues this worker consumes (queues.go).
	QueueProducers []QueueProducerBinding `json:"queue_producers,omitempty"`
	QueueConsumers []QueueConsumer        `json:"queue_consumers,omitempty"`
	Crons          []string               `json:"crons,omitempty"`
	CPUMs          int                    `json:"cpu_ms,omitempty"`
	Subrequests    int                    `json:"subrequests,omitempty"`

	// sourceMap is the parsed source map when the bundler made it in this
	// process (no need to parse SourceMap again).
	sourceMap *bundle.SourceMap
}

// KVBinding binds a KV namespace id to a name on env.
type KVBinding struct {
	Binding string `json:"binding"`
	ID      string `json:"id"`
}

// R2Binding binds an R2 bucket to a name on env.
type R2Binding struct {
	Binding string `json:"binding"`
	Bucket  string `json:"bucket_name"`
}

// D1Binding binds the D1 database called Database to a name on env.
type D1Binding struct {
	Binding  string `json:"binding"`
	Database string `json:"database"`
}

// ServiceBinding binds another worker of the node to a name on env.
type ServiceBinding struct {
	Binding    string `json:"binding"`
	Service    string `json:"service"`
	Entrypoint string `json:"entrypoint,omitempty"` // a named export of the service; "" is its default export
}

// DurableObjectBinding binds a Durable Object namespace to a name on env.
type DurableObjectBinding struct {
	Binding string `json:"binding"`
	Class   string `json:"class_name"`
	Script  string `json:"script_name,omitempty"` // the worker that defines the class; "" is this one
}

// MaxBundleSize caps an uploaded bundle, as Cloudflare caps a worker's
// compressed size at 10 MB on paid plans (uncompressed text is larger).
const MaxBundleSize = 64 << 20

// NewBundle describes a project's build: cfg is its wrangler config, res
// the bundler's output.
func NewBundle(name string, cfg *config.Config, res *bundle.Result) *Bundle {
	b := &Bundle{
		Name:              name,
		Code:              string(res.Code),
		Modules:           res.HasDefaultExport,
		CompatibilityDate: cfg.CompatibilityDate,
		CompatibilityFlag: cfg.CompatibilityFlags,
		Vars:              cfg.Vars,
		Crons:             cfg.Crons,
		CPUMs:             cfg.Limits.CPUMs,
		Subrequests:       cfg.Limits.Subrequests,
		sourceMap:         res.SourceMap,
	}
	if res.SourceMap != nil {
		b.SourceMap = res.SourceMap.JSON
	}
	for _, ns := range cfg.KVNamespaces {
		b.KVNamespaces = append(b.KVNamespaces, KVBinding{Binding: ns.Binding, ID: KVNamespaceID(ns)})
	}
	for _, r := range cfg.R2Buckets {
		b.R2Buckets = append(b.R2Buckets, R2Binding{Binding: r.Binding, Bucket: r.BucketName})
	}
	for _, s := range cfg.Services {
		b.Services = append(b.Services, ServiceBinding{Binding: s.Binding, Service: s.Service, Entrypoint: s.Entrypoint})
	}
	for _, d := range cfg.DurableObjects {
		b.DurableObjects = append(b.DurableObjects, DurableObjectBinding{Binding: d.Name, Class: d.ClassName, Script: d.ScriptName})
	}
	classes, _ := cfg.ObjectClasses()
	for _, d := range cfg.DurableObjects {
		if _, ok := classes[d.ClassName]; !ok && d.ScriptName == "" {
			// As wrangler dev: a class without a migration still runs,
			// with key-value storage (config.Load warns).
			classes[d.ClassName] = false
		}
	}
	if len(classes) > 0 {
		b.ObjectClasses = classes
	}
	if len(cfg.Hyperdrive) > 0 {
		b.Hyperdrive = cfg.HyperdriveBindings()
	}
	for _, d := range cfg.D1Databases {
		b.D1Databases = append(b.D1Databases, D1Binding{Binding: d.Binding, Database: d.Name()})
	}
	if cfg.Assets != nil {
		b.AssetsBinding = cfg.Assets.Binding
	}
	b.addQueues(cfg)
	return b
}

// KVNamespaceID is the id a kv_namespaces entry is stored under: its id,
// like wrangler dev, or the binding name when it has none.
func KVNamespaceID(ns config.KVNamespace) string {
	if ns.ID != "" {
		return ns.ID
	}
	return ns.Binding
}

var workerName = lazyregexp.New(`^[A-Za-z0-9_-]{1,63}$`)

// ValidName reports whether s can name a worker.
func ValidName(s string) bool { return workerName.MatchString(s) }

// Validate checks what the node relies on.
func (b *Bundle) Validate() error {
	if !ValidName(b.Name) {
		return fmt.Errorf("bundle: %q is not a valid worker name", b.Name)
	}
	if b.Code == "" {
		return errors.New("bundle: the code is empty")
	}
	for i, s := range b.Services {
		if s.Binding == "" || !ValidName(s.Service) {
			return fmt.Errorf("bundle: services[%d]: binding and service are required", i)
		}
	}
	for i, k := range b.KVNamespaces {
		if k.Binding == "" || k.ID == "" {
			return fmt.Errorf("bundle: kv_namespaces[%d]: binding and id are required", i)
		}
	}
	for i, r := range b.R2Buckets {
		if r.Binding == "" || !r2.ValidBucketName(r.Bucket) {
			return fmt.Errorf("bundle: r2_buckets[%d]: a binding and a bucket_name of 3 to 63 lowercase letters, digits and hyphens are required", i)
		}
	}
	for i, d := range b.D1Databases {
		if d.Binding == "" || !d1.ValidName(d.Database) {
			return fmt.Errorf("bundle: d1_databases[%d]: a binding and a database name (letters, digits, '.', '-', '_') are required", i)
		}
	}
	return b.validateQueues()
}

// Hash identifies a bundle's content.
func (b *Bundle) Hash() string {
	data, _ := json.Marshal(b)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// NodeCompat tells whether nodejs_compat is on.
func (b *Bundle) NodeCompat() bool {
	return (&config.Config{CompatibilityDate: b.CompatibilityDate, CompatibilityFlags: b.CompatibilityFlag}).NodeCompat()
}

// PopulateProcessEnv applies nodejs_compat_populate_process_env: on by
// default from compatibility date 2025-04-01 with nodejs_compat, or by
// flag; nodejs_compat_do_not_populate_process_env turns it off.
func (b *Bundle) PopulateProcessEnv() bool {
	if !b.NodeCompat() {
		return false
	}
	on := b.CompatibilityDate >= "2025-04-01"
	for _, f := range b.CompatibilityFlag {
		switch f {
		case "nodejs_compat_populate_process_env":
			on = true
		case "nodejs_compat_do_not_populate_process_env":
			return false
		}
	}
	return on
}

// stack returns the bundle's source map, parsed once.
func (b *Bundle) stack() (*bundle.SourceMap, error) {
	if b.sourceMap == nil && len(b.SourceMap) > 0 {
		sm, err := bundle.ParseSourceMap(b.SourceMap)
		if err != nil {
			return nil, fmt.Errorf("worker %s: %w", b.Name, err)
		}
		b.sourceMap = sm
	}
	return b.sourceMap, nil
}

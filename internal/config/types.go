package config

import "time"

// Config is a wrangler project's configuration with the selected environment
// applied: what Outpost needs to bundle and run one worker.
type Config struct {
	Path string // the configuration file that was loaded (absolute)
	Dir  string // the project directory: the directory holding Path

	Name string
	// Main is the entry module, resolved to an absolute path that exists.
	Main string

	CompatibilityDate  string
	CompatibilityFlags []string

	// Vars holds [vars]: strings, or any JSON value (numbers, booleans,
	// arrays, objects) as wrangler allows. Integers are int64, other numbers
	// float64, objects map[string]any, arrays []any.
	Vars map[string]any
	// Secrets come from .dev.vars (or .dev.vars.<env>) when present, else from
	// .env, .env.local, .env.<env>, .env.<env>.local; wrangler's rules.
	Secrets map[string]string
	// SecretsFiles are the files Secrets were read from, in the order
	// applied (absolute; empty when none exist). SecretsFile is the first.
	SecretsFiles []string
	SecretsFile  string

	KVNamespaces []KVNamespace
	R2Buckets    []R2Bucket
	Services     []ServiceBinding
	// DurableObjects are the [[durable_objects.bindings]]; Migrations say
	// which classes are Durable Objects and how they store.
	DurableObjects []DurableObjectBinding
	Migrations     []Migration

	// Hyperdrive is [[hyperdrive]]: PostgreSQL reached through a binding.
	Hyperdrive []HyperdriveBinding

	// D1Databases are the [[d1_databases]] (d1.go).
	D1Databases []D1Database

	// QueueProducers and QueueConsumers are [[queues.producers]] and
	// [[queues.consumers]].
	QueueProducers []QueueProducer
	QueueConsumers []QueueConsumer
	// Crons is [triggers] crons, as written.
	Crons  []string
	Routes []Route
	Assets *Assets
	// Build is [build]: a custom build command; nil when absent.
	Build *Build

	// Define and Alias are passed to the bundler as they are.
	Define map[string]string
	Alias  map[string]string
	// Rules are the user's [[rules]] followed by wrangler's default rules.
	Rules []ModuleRule
	// TSConfig is the tsconfig path (absolute) when `tsconfig` is set.
	TSConfig    string
	JSXFactory  string // default "React.createElement"
	JSXFragment string // default "React.Fragment"
	Minify      bool
	KeepNames   bool // default true, as in wrangler
	NoBundle    bool

	Limits Limits

	// Origin is where requests the worker passes through with fetch() go
	// (the zone's origin on Cloudflare). It is an Outpost extension, set with
	// a top-level `origin = "https://backend.internal:8080"` (inherited by
	// environments like `main`). When absent it defaults to
	// <dev.upstream_protocol>://<dev.host> if [dev] host is set, else "".
	Origin string
	Dev    Dev

	// Warnings are problems that do not stop Outpost: unknown fields,
	// unsupported bindings, fields an environment does not inherit.
	Warnings []string
}

// KVNamespace is one kv_namespaces entry.
type KVNamespace struct {
	Binding   string
	ID        string
	PreviewID string
}

// ServiceBinding is one [[services]] entry.
type ServiceBinding struct {
	Binding     string
	Service     string
	Entrypoint  string
	Environment string
}

// DurableObjectBinding is one [[durable_objects.bindings]] entry.
type DurableObjectBinding struct {
	Name        string
	ClassName   string
	ScriptName  string // the worker that defines the class; "" is this one
	Environment string
}

// Migration is one [[migrations]] entry.
type Migration struct {
	Tag              string
	NewClasses       []string
	NewSQLiteClasses []string
	DeletedClasses   []string
	Renamed          []RenamedClass
	Transferred      []TransferredClass
}

// RenamedClass moves a Durable Object class's objects to a new name.
type RenamedClass struct{ From, To string }

// TransferredClass moves objects from a class of another worker.
type TransferredClass struct{ From, FromScript, To string }

// ObjectClasses applies the migrations in order: the Durable Object
// classes of this worker, each true when its storage is SQLite-backed
// (new_sqlite_classes), and the renames (old name → new name) to apply to
// stored objects.
func (c *Config) ObjectClasses() (classes map[string]bool, renamed map[string]string) {
	classes, renamed = map[string]bool{}, map[string]string{}
	for _, m := range c.Migrations {
		for _, n := range m.NewClasses {
			classes[n] = false
		}
		for _, n := range m.NewSQLiteClasses {
			classes[n] = true
		}
		for _, rc := range m.Renamed {
			classes[rc.To] = classes[rc.From]
			delete(classes, rc.From)
			renamed[rc.From] = rc.To
		}
		for _, t := range m.Transferred {
			classes[t.To] = false
		}
		for _, n := range m.DeletedClasses {
			delete(classes, n)
		}
	}
	return classes, renamed
}

// Route is a `route` or `routes` entry. A plain string becomes a Route with
// only Pattern set.
type Route struct {
	Pattern      string
	ZoneName     string
	ZoneID       string
	CustomDomain bool
}

// Build is the [build] table. Paths are as written, relative to the
// project directory; Project code resolves them.
type Build struct {
	Command   string
	Cwd       string   // where the command runs (default: the project directory)
	WatchDirs []string // rebuild when a file under one changes (default "src")
}

// Assets is the [assets] table.
type Assets struct {
	// Directory is absolute; empty when only a binding is declared.
	Directory        string
	Binding          string
	NotFoundHandling string // "none" (default), "404-page", "single-page-application"
	HTMLHandling     string // "auto-trailing-slash" (default), "force-trailing-slash", "drop-trailing-slash", "none"
	RunWorkerFirst   any    // bool, or []string of route patterns
}

// ModuleRuleType is the type of a [[rules]] entry.
type ModuleRuleType string

// Rule types wrangler knows.
const (
	RuleESModule     ModuleRuleType = "ESModule"
	RuleCommonJS     ModuleRuleType = "CommonJS"
	RuleCompiledWasm ModuleRuleType = "CompiledWasm"
	RuleText         ModuleRuleType = "Text"
	RuleData         ModuleRuleType = "Data"
	RulePythonModule ModuleRuleType = "PythonModule"
	RulePythonReq    ModuleRuleType = "PythonRequirement"
)

// ModuleRule says how files matching Globs are imported.
type ModuleRule struct {
	Type        ModuleRuleType
	Globs       []string
	Fallthrough bool
}

// DefaultRules are wrangler's default module rules, applied after the
// user's own.
var DefaultRules = []ModuleRule{
	{Type: RuleText, Globs: []string{"**/*.txt", "**/*.html", "**/*.sql"}},
	{Type: RuleData, Globs: []string{"**/*.bin"}},
	{Type: RuleCompiledWasm, Globs: []string{"**/*.wasm", "**/*.wasm?module"}},
}

// Limits is the [limits] table.
type Limits struct {
	CPUMs       int // default DefaultCPUMs
	Subrequests int // 0 means the platform default
}

// DefaultCPUMs is the CPU time limit per request when [limits] cpu_ms is absent.
const DefaultCPUMs = 30000

// Dev is the [dev] table (top level only, as in wrangler).
type Dev struct {
	IP               string // default "localhost"
	Port             int    // 0: not set (wrangler's default is 8787)
	LocalProtocol    string // "http" (default) or "https"
	UpstreamProtocol string // defaults to LocalProtocol
	Host             string
}

// NodeCompat reports whether Node.js built-in modules are available:
// compatibility_flags has nodejs_compat or nodejs_compat_v2 and does not
// turn it off with no_nodejs_compat.
func (c *Config) NodeCompat() bool {
	on, off := false, false
	for _, f := range c.CompatibilityFlags {
		switch f {
		case "nodejs_compat", "nodejs_compat_v2", "experimental:nodejs_compat_v2":
			on = true
		case "no_nodejs_compat":
			off = true
		}
	}
	return on && !off
}

// nodeModuleGate is the compatibility flag that makes a Node.js module
// available on top of nodejs_compat, as workerd's compatibility-date.capnp
// gives it: on with the enable flag, off with the disable flag, otherwise
// on from the date.
type nodeModuleGate struct{ enable, disable, date string }

var nodeModuleGates = map[string]nodeModuleGate{
	"zlib":        {"nodejs_zlib", "no_nodejs_zlib", "2024-09-23"},
	"http":        {"enable_nodejs_http_modules", "disable_nodejs_http_modules", "2025-08-15"},
	"https":       {"enable_nodejs_http_modules", "disable_nodejs_http_modules", "2025-08-15"},
	"os":          {"enable_nodejs_os_module", "disable_nodejs_os_module", "2025-09-15"},
	"fs":          {"enable_nodejs_fs_module", "disable_nodejs_fs_module", "2025-09-15"},
	"fs/promises": {"enable_nodejs_fs_module", "disable_nodejs_fs_module", "2025-09-15"},
}

// compatFlag reports whether a compatibility flag is on: named in
// compatibility_flags, not turned off by its disable flag, or implied from
// date on (a missing compatibility_date counts as today, as the warning
// about it says).
func (c *Config) compatFlag(enable, disable, date string) bool {
	for _, f := range c.CompatibilityFlags {
		switch f {
		case enable:
			return true
		case disable:
			return false
		}
	}
	if date == "" {
		return false
	}
	d := c.CompatibilityDate
	if d == "" {
		d = time.Now().UTC().Format("2006-01-02")
	}
	return d >= date
}

// NodeModuleFlag reports, for a Node.js module name without "node:",
// whether the configuration makes it available beyond nodejs_compat and,
// when it does not, the flag that would.
func (c *Config) NodeModuleFlag(name string) (flag string, on bool) {
	g, ok := nodeModuleGates[name]
	if !ok {
		return "", true
	}
	return g.enable, c.compatFlag(g.enable, g.disable, g.date)
}

// NodeHTTPServer reports whether node:http's createServer and
// cloudflare:node's httpServerHandler are on
// (enable_nodejs_http_server_modules, implied from 2025-09-01 once the
// http modules are on).
func (c *Config) NodeHTTPServer() bool {
	if _, on := c.NodeModuleFlag("http"); !on {
		return false
	}
	return c.compatFlag("enable_nodejs_http_server_modules", "disable_nodejs_http_server_modules", "2025-09-01")
}

package config

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// inheritance says how a field behaves under [env.NAME], following wrangler.
type inheritance int

const (
	inherited    inheritance = iota // an environment uses the top-level value unless it sets its own
	notInherited                    // an environment must redeclare it (wrangler warns when it does not)
	topLevelOnly                    // only meaningful at the top level
)

type fieldSpec struct {
	kind  inheritance
	apply func(r *reader, c *Config, v any, field string)
}

// fields are the wrangler fields Outpost reads. Fields wrangler knows that
// do not matter to Outpost are in ignoredFields; bindings Outpost cannot
// provide yet are in unsupportedBindings.
var fields = map[string]fieldSpec{
	"name": {inherited, func(r *reader, c *Config, v any, f string) {
		if s, ok := r.str(v, f); ok {
			if !workerName.MatchString(s) {
				r.errorf(f, "expected lowercase letters, digits, - and _ only, found %q", s)
				return
			}
			c.Name = s
		}
	}},
	"main": {inherited, func(r *reader, c *Config, v any, f string) { c.Main, _ = r.str(v, f) }},
	"compatibility_date": {inherited, func(r *reader, c *Config, v any, f string) {
		if s, ok := r.str(v, f); ok {
			if !compatDate.MatchString(s) {
				r.errorf(f, "expected a date written YYYY-MM-DD, found %q", s)
				return
			}
			c.CompatibilityDate = s
		}
	}},
	"compatibility_flags": {inherited, func(r *reader, c *Config, v any, f string) { c.CompatibilityFlags, _ = r.strings(v, f) }},
	"route": {inherited, func(r *reader, c *Config, v any, f string) {
		if rt, ok := readRoute(r, v, f); ok {
			c.Routes = append(c.Routes, rt)
		}
	}},
	"routes": {inherited, func(r *reader, c *Config, v any, f string) {
		a, ok := r.array(v, f)
		if !ok {
			return
		}
		for i, e := range a {
			if rt, ok := readRoute(r, e, fmt.Sprintf("%s[%d]", f, i)); ok {
				c.Routes = append(c.Routes, rt)
			}
		}
	}},
	"triggers": {inherited, func(r *reader, c *Config, v any, f string) {
		m, ok := r.table(v, f)
		if !ok {
			return
		}
		r.known(m, f, "crons")
		if cv, ok := m["crons"]; ok {
			c.Crons, _ = r.strings(cv, f+".crons")
		}
	}},
	"assets":      {inherited, readAssets},
	"build":       {inherited, readBuild},
	"limits":      {inherited, readLimits},
	"rules":       {inherited, readRules},
	"tsconfig":    {inherited, func(r *reader, c *Config, v any, f string) { c.TSConfig, _ = r.str(v, f) }},
	"jsx_factory": {inherited, func(r *reader, c *Config, v any, f string) { c.JSXFactory, _ = r.str(v, f) }},
	"jsx_fragment": {inherited, func(r *reader, c *Config, v any, f string) {
		c.JSXFragment, _ = r.str(v, f)
	}},
	"minify":     {inherited, func(r *reader, c *Config, v any, f string) { c.Minify, _ = r.boolean(v, f) }},
	"keep_names": {inherited, func(r *reader, c *Config, v any, f string) { c.KeepNames, _ = r.boolean(v, f) }},
	"no_bundle":  {inherited, func(r *reader, c *Config, v any, f string) { c.NoBundle, _ = r.boolean(v, f) }},
	"origin": {inherited, func(r *reader, c *Config, v any, f string) {
		if s, ok := r.str(v, f); ok {
			if !originURL.MatchString(s) {
				r.errorf(f, "expected an http:// or https:// URL, found %q", s)
				return
			}
			c.Origin = s
		}
	}},

	"vars": {notInherited, func(r *reader, c *Config, v any, f string) {
		if m, ok := r.table(v, f); ok {
			c.Vars = m
		}
	}},
	"define":          {notInherited, func(r *reader, c *Config, v any, f string) { c.Define, _ = r.stringMap(v, f) }},
	"kv_namespaces":   {notInherited, readKV},
	"r2_buckets":      {notInherited, readR2},
	"services":        {notInherited, readServices},
	"durable_objects": {notInherited, readDurableObjects},
	"queues":          {notInherited, readQueues},
	"migrations":      {inherited, readMigrations},
	"hyperdrive":      {notInherited, readHyperdrive},
	"d1_databases":    {notInherited, readD1},

	"alias": {topLevelOnly, func(r *reader, c *Config, v any, f string) { c.Alias, _ = r.stringMap(v, f) }},
	"dev":   {topLevelOnly, readDev},
}

var (
	workerName = lazyregexp.New(`^$|^[a-z0-9_][a-z0-9-_]*$`) // wrangler's rule
	compatDate = lazyregexp.New(`^\d{4}-\d{2}-\d{2}$`)
	originURL  = lazyregexp.New(`^https?://[^/?#\s]+(/\S*)?$`)
)

// ignoredFields are wrangler fields about deploying or about Cloudflare's
// control plane: accepted without a warning because they change nothing
// when a worker runs under Outpost.
var ignoredFields = map[string]inheritance{
	"$schema": topLevelOnly, "account_id": inherited, "workers_dev": inherited, "preview_urls": inherited,
	"find_additional_modules": inherited, "preserve_file_names": inherited, "base_dir": inherited,
	"placement": inherited, "first_party_worker": inherited, "logpush": inherited,
	"upload_source_maps": inherited, "observability": inherited, "compliance_region": inherited,
	"usage_model": inherited, "send_metrics": topLevelOnly, "keep_vars": topLevelOnly,
	"legacy_env": topLevelOnly, "node_compat": inherited, "exports": inherited, "access": inherited,
	"previews": inherited, "cache": inherited, "python_modules": inherited,
	"secrets": notInherited, // a list of required secret names; values still come from .dev.vars
}

// unsupportedBindings are binding kinds Outpost does not provide yet; each
// declared binding is named in a warning so users know what env will lack.
var unsupportedBindings = map[string]string{
	"workflows": "Workflows", "vectorize": "Vectorize",
	"analytics_engine_datasets": "Analytics Engine", "dispatch_namespaces": "Workers for Platforms",
	"mtls_certificates": "mTLS certificates", "send_email": "Email", "ai": "Workers AI",
	"browser": "Browser Rendering", "images": "Images", "version_metadata": "Version metadata",
	"ratelimits": "Rate limiting", "secrets_store_secrets": "Secrets Store", "pipelines": "Pipelines",
	"worker_loaders": "Worker loaders", "tail_consumers": "Tail Workers",
	"streaming_tail_consumers": "Tail Workers", "unsafe": "unsafe bindings", "logfwdr": "logfwdr",
	"containers": "Containers", "cloudchamber": "Containers", "vpc_services": "VPC services",
	"vpc_networks": "VPC networks", "stream": "Stream", "media": "Media", "ai_search": "AI Search",
	"ai_search_namespaces": "AI Search", "websearch": "Web search", "agent_memory": "Agent memory",
	"artifacts": "Artifacts", "flagship": "Flagship", "connect": "Connect",
	"unsafe_hello_world": "unsafe bindings", "site": "Workers Sites",
	"wasm_modules": "wasm_modules", "text_blobs": "text_blobs", "data_blobs": "data_blobs",
}

// warnUnsupported names the bindings of an unsupported kind.
func warnUnsupported(r *reader, field, label string, v any) {
	names := bindingNames(v)
	switch {
	case len(names) == 0:
		r.warnf("%q (%s) is not supported by Outpost yet; it is ignored", field, label)
	default:
		for _, n := range names {
			r.warnf("%q (%s) is not supported by Outpost yet; binding %s will be missing", field, label, n)
		}
	}
}

// bindingNames digs the binding names out of the shapes wrangler uses:
// [{binding}], [{name}], {binding}, {bindings: [...]}, {producers: [...]}.
func bindingNames(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			out = append(out, bindingNames(e)...)
		}
	case map[string]any:
		for _, k := range []string{"binding", "name"} {
			if s, ok := t[k].(string); ok {
				return []string{s}
			}
		}
		for _, k := range []string{"bindings", "producers"} {
			if a, ok := t[k]; ok {
				out = append(out, bindingNames(a)...)
			}
		}
	}
	return out
}

func readRoute(r *reader, v any, f string) (Route, bool) {
	switch t := v.(type) {
	case string:
		if t == "" {
			r.errorf(f, "expected a route pattern such as \"example.com/*\", found an empty string")
			return Route{}, false
		}
		return Route{Pattern: t}, true
	case map[string]any:
		r.known(t, f, "pattern", "zone_name", "zone_id", "custom_domain")
		p, ok := r.required(t, "pattern", f)
		if !ok {
			return Route{}, false
		}
		rt := Route{Pattern: p, ZoneName: r.optional(t, "zone_name", f), ZoneID: r.optional(t, "zone_id", f)}
		if cd, ok := t["custom_domain"]; ok {
			rt.CustomDomain, _ = r.boolean(cd, f+".custom_domain")
		}
		if rt.ZoneName != "" && rt.ZoneID != "" {
			r.errorf(f, "expected only one of zone_name and zone_id, found both")
		}
		return rt, true
	}
	r.expected(f, "a route pattern string or a table with \"pattern\"", v)
	return Route{}, false
}

func readKV(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.KVNamespaces = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "binding", "id", "preview_id", "remote", "experimental_remote")
		b, ok := r.required(m, "binding", ef)
		if !ok || !r.bindingName(b, ef+".binding") {
			continue
		}
		c.KVNamespaces = append(c.KVNamespaces, KVNamespace{
			Binding: b, ID: r.optional(m, "id", ef), PreviewID: r.optional(m, "preview_id", ef),
		})
	}
}

func readHyperdrive(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.Hyperdrive = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "binding", "id", "localConnectionString")
		b, ok := r.required(m, "binding", ef)
		if !ok || !r.bindingName(b, ef+".binding") {
			continue
		}
		c.Hyperdrive = append(c.Hyperdrive, HyperdriveBinding{
			Binding: b, ID: r.optional(m, "id", ef), LocalConnectionString: r.optional(m, "localConnectionString", ef),
		})
	}
}

func readServices(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.Services = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "binding", "service", "entrypoint", "environment", "remote", "experimental_remote", "props")
		b, ok1 := r.required(m, "binding", ef)
		s, ok2 := r.required(m, "service", ef)
		if !ok1 || !ok2 || !r.bindingName(b, ef+".binding") {
			continue
		}
		c.Services = append(c.Services, ServiceBinding{
			Binding: b, Service: s, Entrypoint: r.optional(m, "entrypoint", ef),
			Environment: r.optional(m, "environment", ef),
		})
	}
}

// readBuild reads wrangler's [build]: a command run before bundling, again
// when a file under watch_dir (default "src") changes.
func readBuild(r *reader, c *Config, v any, f string) {
	m, ok := r.table(v, f)
	if !ok {
		return
	}
	r.known(m, f, "command", "cwd", "watch_dir")
	b := &Build{Command: r.optional(m, "command", f), Cwd: r.optional(m, "cwd", f)}
	if w, ok := m["watch_dir"]; ok {
		if s, isStr := w.(string); isStr {
			b.WatchDirs = []string{s}
		} else if list, ok := r.strings(w, f+".watch_dir"); ok {
			b.WatchDirs = list
		}
	} else {
		b.WatchDirs = []string{"src"}
	}
	c.Build = b
}

func readAssets(r *reader, c *Config, v any, f string) {
	m, ok := r.table(v, f)
	if !ok {
		return
	}
	r.known(m, f, "directory", "binding", "not_found_handling", "html_handling", "run_worker_first", "experimental_serve_directly")
	a := &Assets{NotFoundHandling: "none", HTMLHandling: "auto-trailing-slash", RunWorkerFirst: false}
	if d := r.optional(m, "directory", f); d != "" {
		a.Directory = d
	}
	if b, ok := m["binding"]; ok {
		if s, ok := r.str(b, f+".binding"); ok && r.bindingName(s, f+".binding") {
			a.Binding = s
		}
	}
	if a.Directory == "" && a.Binding == "" {
		r.errorf(f, "expected \"directory\" (and optionally \"binding\"), found neither")
	}
	if x, ok := m["not_found_handling"]; ok {
		if s, ok := r.oneOf(x, f+".not_found_handling", "none", "404-page", "single-page-application"); ok {
			a.NotFoundHandling = s
		}
	}
	if x, ok := m["html_handling"]; ok {
		if s, ok := r.oneOf(x, f+".html_handling", "auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"); ok {
			a.HTMLHandling = s
		}
	}
	if x, ok := m["run_worker_first"]; ok {
		switch t := x.(type) {
		case bool:
			a.RunWorkerFirst = t
		default:
			if s, ok := r.strings(x, f+".run_worker_first"); ok {
				a.RunWorkerFirst = s
			}
		}
	}
	c.Assets = a
}

func readLimits(r *reader, c *Config, v any, f string) {
	m, ok := r.table(v, f)
	if !ok {
		return
	}
	r.known(m, f, "cpu_ms", "subrequests")
	if x, ok := m["cpu_ms"]; ok {
		if n, ok := r.integer(x, f+".cpu_ms"); ok {
			if n <= 0 || n > 300000 {
				r.errorf(f+".cpu_ms", "expected a number of milliseconds from 1 to 300000, found %d", n)
			} else {
				c.Limits.CPUMs = int(n)
			}
		}
	}
	if x, ok := m["subrequests"]; ok {
		if n, ok := r.integer(x, f+".subrequests"); ok {
			if n <= 0 {
				r.errorf(f+".subrequests", "expected a positive number, found %d", n)
			} else {
				c.Limits.Subrequests = int(n)
			}
		}
	}
}

func readRules(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.Rules = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "type", "globs", "fallthrough")
		tv, ok := m["type"]
		if !ok {
			r.errorf(ef, "missing required field \"type\"")
			continue
		}
		t, ok := r.oneOf(tv, ef+".type", "ESModule", "CommonJS", "CompiledWasm", "Text", "Data", "PythonModule", "PythonRequirement")
		if !ok {
			continue
		}
		gv, ok := m["globs"]
		if !ok {
			r.errorf(ef, "missing required field \"globs\"")
			continue
		}
		globs, ok := r.strings(gv, ef+".globs")
		if !ok {
			continue
		}
		for j, g := range globs {
			if _, err := filepath.Match(g, ""); err != nil {
				r.errorf(fmt.Sprintf("%s.globs[%d]", ef, j), "expected a glob pattern, found %q (%v)", g, err)
			}
		}
		rule := ModuleRule{Type: ModuleRuleType(t), Globs: globs}
		if fv, ok := m["fallthrough"]; ok {
			rule.Fallthrough, _ = r.boolean(fv, ef+".fallthrough")
		}
		c.Rules = append(c.Rules, rule)
	}
}

func readDev(r *reader, c *Config, v any, f string) {
	m, ok := r.table(v, f)
	if !ok {
		return
	}
	r.known(m, f, "ip", "port", "local_protocol", "upstream_protocol", "host", "inspector_port",
		"inspector_ip", "enable_containers", "container_engine", "generate_types")
	if x, ok := m["ip"]; ok {
		c.Dev.IP, _ = r.str(x, f+".ip")
	}
	if x, ok := m["port"]; ok {
		if n, ok := r.integer(x, f+".port"); ok {
			if n < 0 || n > 65535 {
				r.errorf(f+".port", "expected a port from 0 to 65535, found %d", n)
			} else {
				c.Dev.Port = int(n)
			}
		}
	}
	if x, ok := m["local_protocol"]; ok {
		c.Dev.LocalProtocol, _ = r.oneOf(x, f+".local_protocol", "http", "https")
	}
	if x, ok := m["upstream_protocol"]; ok {
		c.Dev.UpstreamProtocol, _ = r.oneOf(x, f+".upstream_protocol", "http", "https")
	}
	if x, ok := m["host"]; ok {
		c.Dev.Host, _ = r.str(x, f+".host")
	}
}

// readDurableObjects reads [[durable_objects.bindings]].
func readDurableObjects(r *reader, c *Config, v any, f string) {
	m, ok := r.table(v, f)
	if !ok {
		return
	}
	r.known(m, f, "bindings")
	list, ok := m["bindings"]
	if !ok {
		return
	}
	a, ok := r.array(list, f+".bindings")
	if !ok {
		return
	}
	c.DurableObjects = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s.bindings[%d]", f, i)
		b, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(b, ef, "name", "class_name", "script_name", "environment")
		name, ok1 := r.required(b, "name", ef)
		class, ok2 := r.required(b, "class_name", ef)
		if !ok1 || !ok2 || !r.bindingName(name, ef+".name") {
			continue
		}
		c.DurableObjects = append(c.DurableObjects, DurableObjectBinding{
			Name: name, ClassName: class, ScriptName: r.optional(b, "script_name", ef),
			Environment: r.optional(b, "environment", ef),
		})
	}
}

// readMigrations reads [[migrations]]: which classes are Durable Objects,
// and whether each keeps its storage in SQLite (new_sqlite_classes) or in
// the key-value backend (new_classes).
func readMigrations(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.Migrations = nil
	tags := map[string]bool{}
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes", "transferred_classes")
		mg := Migration{Tag: r.optional(m, "tag", ef)}
		if mg.Tag != "" && tags[mg.Tag] {
			r.errorf(ef+".tag", "expected a unique tag, found %q twice", mg.Tag)
		}
		tags[mg.Tag] = true
		for _, k := range []struct {
			key string
			to  *[]string
		}{{"new_classes", &mg.NewClasses}, {"new_sqlite_classes", &mg.NewSQLiteClasses}, {"deleted_classes", &mg.DeletedClasses}} {
			if x, ok := m[k.key]; ok {
				*k.to, _ = r.strings(x, ef+"."+k.key)
			}
		}
		if x, ok := m["renamed_classes"]; ok {
			if list, ok := r.array(x, ef+".renamed_classes"); ok {
				for j, e := range list {
					rf := fmt.Sprintf("%s.renamed_classes[%d]", ef, j)
					if t, ok := r.table(e, rf); ok {
						from, ok1 := r.required(t, "from", rf)
						to, ok2 := r.required(t, "to", rf)
						if ok1 && ok2 {
							mg.Renamed = append(mg.Renamed, RenamedClass{From: from, To: to})
						}
					}
				}
			}
		}
		if x, ok := m["transferred_classes"]; ok {
			if list, ok := r.array(x, ef+".transferred_classes"); ok {
				for j, e := range list {
					tf := fmt.Sprintf("%s.transferred_classes[%d]", ef, j)
					if t, ok := r.table(e, tf); ok {
						from, ok1 := r.required(t, "from", tf)
						script, ok2 := r.required(t, "from_script", tf)
						to, ok3 := r.required(t, "to", tf)
						if ok1 && ok2 && ok3 {
							mg.Transferred = append(mg.Transferred, TransferredClass{From: from, FromScript: script, To: to})
						}
					}
				}
			}
		}
		for _, cls := range mg.NewClasses {
			if slices.Contains(mg.NewSQLiteClasses, cls) {
				r.errorf(ef, "expected %q in only one of new_classes and new_sqlite_classes", cls)
			}
		}
		c.Migrations = append(c.Migrations, mg)
	}
}

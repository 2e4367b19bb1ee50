package serve

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is a server configuration (outpost.toml): the workers one
// `outpost serve` process runs and everything around them.
type Config struct {
	Path string // the file it was read from (absolute)

	// Listen is the address for worker traffic.
	Listen string
	// StateDir holds the file deployment store and the per-node cache.
	StateDir string
	// ShutdownTimeout bounds a graceful shutdown: requests in flight and
	// waitUntil work get this long after SIGTERM.
	ShutdownTimeout time.Duration
	// DrainDelay keeps the listeners open this long after SIGTERM while
	// readiness already fails, so a load balancer stops sending traffic
	// before connections are refused.
	DrainDelay time.Duration
	// Instances is the default pool size per worker.
	Instances int
	// ReleaseIdleAfter closes a worker's instances once it has had no
	// request for this long (0: never); its next request starts them again.
	ReleaseIdleAfter time.Duration
	// DiscardCodeAfter drops the compiled code of an instance that has had
	// no request for this long (0: never), to be compiled again when it
	// next runs: about a megabyte of each resting VM.
	DiscardCodeAfter time.Duration
	// StartOnRequest (start_instances = "on_request") makes a worker hold
	// no instance until its first request or event; by default
	// ("on_deploy") its instances start when a version is applied, at
	// start-up or deploy. Each worker may override it.
	StartOnRequest bool

	Admin       Admin
	Ops         Ops
	Deployments Deployments
	KV          KV
	Limits      Limits
	Security    Security
	HTTP        HTTP
	Workers     []WorkerConfig

	// Queues says where queue messages live (queues.go).
	Queues Queues
	// R2 says where R2 buckets live (r2config.go).
	R2 R2
	// DurableObjects puts Durable Objects on a fleet (objects.go).
	DurableObjects DurableObjects
}

// Admin is the deployment API. It is off unless a token is set.
type Admin struct {
	Listen string
	Token  string
}

// Ops serves /healthz, /readyz and /metrics without authentication, for
// load balancers and Prometheus; bind it to a private address.
type Ops struct {
	Listen string
}

// Deployments says where deployed versions are kept.
type Deployments struct {
	// URL is a postgres:// URL for a fleet; empty keeps them as files under
	// StateDir/deployments (one node).
	URL string
	// Poll is how often a node checks the store for another node's deploy.
	Poll time.Duration
}

// KV is where KV namespaces live.
type KV struct {
	URL string
}

// Limits apply to each request (CPU time, body size) or instance
// (memory). Zero fields take Cloudflare's defaults.
type Limits struct {
	CPU         time.Duration
	RequestBody int64
	Memory      int64
	// Wall bounds how long a handler may take to give its response.
	Wall time.Duration
}

// Cloudflare's documented defaults: 30 s of CPU per invocation (Workers
// Paid), 100 MB request bodies (Free and Pro plans), 128 MB per isolate.
const (
	DefaultCPU         = 30 * time.Second
	DefaultRequestBody = 100 << 20
	DefaultMemory      = 128 << 20
)

// Security holds switches that restrict what workers may reach.
type Security struct {
	// DenyPrivateSubrequests refuses fetch() to loopback, private and
	// link-local addresses.
	DenyPrivateSubrequests bool
	// TrustedProxies are the load balancers whose X-Forwarded-Proto and
	// X-Forwarded-For are believed (the scheme workers see and route on,
	// and CF-Connecting-IP). From anyone else those headers are ignored
	// and a CF-Connecting-IP sent by the client is replaced.
	TrustedProxies []netip.Prefix
	// CloudflareProxies are trusted peers that set CF-Connecting-IP
	// themselves (Cloudflare in front of Outpost): only from them is a
	// CF-Connecting-IP header kept.
	CloudflareProxies []netip.Prefix
}

// WorkerConfig is one [[workers]] entry.
type WorkerConfig struct {
	Name string
	// Dir is a project directory (absolute) bundled at start; empty for a
	// worker that only runs what `outpost deploy` uploads.
	Dir       string
	Env       string
	Routes    []Route
	Instances int
	Limits    Limits
	// Vars are set on env as secrets, over the bundle's [vars].
	Vars map[string]string
	// Origin receives the worker's pass-through requests and its fetch()
	// calls to its own route hosts, as a zone's origin does on Cloudflare.
	Origin string
	// CacheZone is the worker's partition of the node's Cache API: its
	// own name unless cache_zone makes workers share one, as the workers
	// of one Cloudflare zone share its cache.
	CacheZone string
	// StartOnRequest: see Config.StartOnRequest.
	StartOnRequest bool
}

// DefaultDiscardCodeAfter is how long an instance rests before its
// compiled code is dropped, unless discard_code_after says otherwise.
const DefaultDiscardCodeAfter = 30 * time.Second

type rawConfig struct {
	Listen          string         `toml:"listen"`
	StateDir        string         `toml:"state_dir"`
	ShutdownTimeout string         `toml:"shutdown_timeout"`
	ReleaseIdle     string         `toml:"release_idle_after"`
	DiscardCode     string         `toml:"discard_code_after"`
	StartInstances  string         `toml:"start_instances"`
	DrainDelay      string         `toml:"drain_delay"`
	Instances       int            `toml:"instances"`
	Admin           rawAdmin       `toml:"admin"`
	Ops             Ops            `toml:"ops"`
	Deployments     rawDeployments `toml:"deployments"`
	KV              KV             `toml:"kv"`
	Queues          rawQueues      `toml:"queues"`
	R2              rawR2          `toml:"r2"`
	DurableObjects  rawObjects     `toml:"durable_objects"`
	Limits          rawLimits      `toml:"limits"`
	Security        rawSecurity    `toml:"security"`
	HTTP            rawHTTP        `toml:"http"`
	Workers         []rawWorker    `toml:"workers"`
}

type rawAdmin struct {
	Listen   string `toml:"listen"`
	Token    string `toml:"token"`
	TokenEnv string `toml:"token_env"`
}

type rawDeployments struct {
	URL  string `toml:"url"`
	Poll string `toml:"poll"`
}

type rawLimits struct {
	CPUMs       int64 `toml:"cpu_ms"`
	WallMs      int64 `toml:"wall_ms"`
	RequestBody any   `toml:"request_body"`
	Memory      any   `toml:"memory"`
}

type rawSecurity struct {
	DenyPrivate       bool     `toml:"deny_private_subrequests"`
	TrustedProxies    []string `toml:"trusted_proxies"`
	CloudflareProxies []string `toml:"cloudflare_proxies"`
}

type rawWorker struct {
	Name      string            `toml:"name"`
	Dir       string            `toml:"dir"`
	Env       string            `toml:"env"`
	Routes    []string          `toml:"routes"`
	Instances int               `toml:"instances"`
	Limits    rawLimits         `toml:"limits"`
	Vars      map[string]string `toml:"vars"`
	Origin    string            `toml:"origin"`
	CacheZone string            `toml:"cache_zone"`
	// StartInstances overrides the top-level start_instances.
	StartInstances string `toml:"start_instances"`
}

// LoadConfig reads a server configuration. Environment variables override
// secrets kept out of the file: OUTPOST_ADMIN_TOKEN, OUTPOST_KV_URL and
// OUTPOST_DEPLOYMENTS_URL.
func LoadConfig(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file (pass the server config with --config)", path)
		}
		return nil, err
	}
	return ParseConfig(abs, string(data), os.Getenv)
}

// ParseConfig parses the text of a server configuration read from path;
// getenv supplies the environment overrides.
func ParseConfig(path, text string, getenv func(string) string) (*Config, error) {
	var raw rawConfig
	md, err := toml.Decode(text, &raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown field %q", path, und[0].String())
	}
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", path, field, fmt.Sprintf(format, args...))
	}
	dir := filepath.Dir(path)
	c := &Config{
		Path:      path,
		Listen:    raw.Listen,
		Instances: raw.Instances,
		Ops:       raw.Ops,
		KV:        raw.KV,
		Security:  Security{DenyPrivateSubrequests: raw.Security.DenyPrivate},
	}
	for _, list := range []struct {
		field string
		raw   []string
		dst   *[]netip.Prefix
	}{{"trusted_proxies", raw.Security.TrustedProxies, &c.Security.TrustedProxies},
		{"cloudflare_proxies", raw.Security.CloudflareProxies, &c.Security.CloudflareProxies}} {
		for i, p := range list.raw {
			prefix, err := netip.ParsePrefix(p)
			if err != nil {
				a, aerr := netip.ParseAddr(p)
				if aerr != nil {
					return nil, fail(fmt.Sprintf("security.%s[%d]", list.field, i), "%q is not an address or CIDR range such as 10.0.0.0/8", p)
				}
				prefix = netip.PrefixFrom(a, a.BitLen())
			}
			*list.dst = append(*list.dst, prefix.Masked())
		}
	}
	if c.HTTP, err = raw.HTTP.parse(fail); err != nil {
		return nil, err
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8787"
	}
	if c.Instances < 0 {
		return nil, fail("instances", "must be at least 1")
	}
	if c.Instances == 0 {
		c.Instances = runtime.NumCPU()
	}
	c.StateDir = raw.StateDir
	if c.StateDir == "" {
		c.StateDir = ".outpost/state"
	}
	if !filepath.IsAbs(c.StateDir) {
		c.StateDir = filepath.Join(dir, c.StateDir)
	}
	c.ShutdownTimeout = 30 * time.Second
	if raw.ShutdownTimeout != "" {
		if c.ShutdownTimeout, err = parseDuration(raw.ShutdownTimeout); err != nil {
			return nil, fail("shutdown_timeout", "%v", err)
		}
	}

	if raw.ReleaseIdle != "" {
		if c.ReleaseIdleAfter, err = parseDuration(raw.ReleaseIdle); err != nil {
			return nil, fail("release_idle_after", "%v", err)
		}
	}

	c.DiscardCodeAfter = DefaultDiscardCodeAfter
	switch raw.DiscardCode {
	case "":
	case "never":
		c.DiscardCodeAfter = 0
	default:
		if c.DiscardCodeAfter, err = parseDuration(raw.DiscardCode); err != nil {
			return nil, fail("discard_code_after", "%v (or \"never\")", err)
		}
	}

	if c.StartOnRequest, err = parseStartInstances(raw.StartInstances, false); err != nil {
		return nil, fail("start_instances", "%v", err)
	}

	if raw.DrainDelay != "" {
		if c.DrainDelay, err = parseDuration(raw.DrainDelay); err != nil {
			return nil, fail("drain_delay", "%v", err)
		}
	}

	c.Admin = Admin{Listen: raw.Admin.Listen, Token: raw.Admin.Token}
	if raw.Admin.TokenEnv != "" {
		c.Admin.Token = getenv(raw.Admin.TokenEnv)
		if c.Admin.Token == "" {
			return nil, fail("admin.token_env", "the environment variable %s is empty or not set", raw.Admin.TokenEnv)
		}
	}
	if t := getenv("OUTPOST_ADMIN_TOKEN"); t != "" {
		c.Admin.Token = t
	}
	if c.Admin.Token != "" && len(c.Admin.Token) < 16 {
		return nil, fail("admin.token", "must be at least 16 characters (generate one with `openssl rand -hex 32`)")
	}
	if c.Admin.Token != "" && c.Admin.Listen == "" {
		c.Admin.Listen = "127.0.0.1:8788"
	}

	c.Deployments.URL = raw.Deployments.URL
	if u := getenv("OUTPOST_DEPLOYMENTS_URL"); u != "" {
		c.Deployments.URL = u
	}
	if c.Deployments.URL != "" && !isPostgresURL(c.Deployments.URL) {
		return nil, fail("deployments.url", "expected a postgres:// URL, got %q", redactURL(c.Deployments.URL))
	}
	c.Deployments.Poll = 2 * time.Second
	if raw.Deployments.Poll != "" {
		if c.Deployments.Poll, err = parseDuration(raw.Deployments.Poll); err != nil {
			return nil, fail("deployments.poll", "%v", err)
		}
	}
	if u := getenv("OUTPOST_KV_URL"); u != "" {
		c.KV.URL = u
	}
	if c.Queues, err = raw.Queues.apply(getenv("OUTPOST_QUEUES_URL"), fail); err != nil {
		return nil, err
	}
	if c.R2, err = raw.R2.apply(getenv, fail); err != nil {
		return nil, err
	}

	if c.DurableObjects, err = raw.DurableObjects.apply(c, getenv, fail); err != nil {
		return nil, err
	}

	base := Limits{CPU: DefaultCPU, RequestBody: DefaultRequestBody, Memory: DefaultMemory, Wall: DefaultWall}
	if c.Limits, err = raw.Limits.apply(base, "limits", fail); err != nil {
		return nil, err
	}

	names := map[string]string{}
	for i, rw := range raw.Workers {
		field := fmt.Sprintf("workers[%d]", i)
		w := WorkerConfig{Name: rw.Name, Env: rw.Env, Instances: rw.Instances, Vars: rw.Vars, Origin: rw.Origin, CacheZone: rw.CacheZone}
		if w.CacheZone == "" {
			w.CacheZone = "worker:" + rw.Name
		}
		if w.Origin != "" {
			u, err := url.Parse(w.Origin)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return nil, fail(field+".origin", "expected an http(s) URL such as http://127.0.0.1:8080, got %q", w.Origin)
			}
		}
		if !validName(w.Name) {
			return nil, fail(field+".name", "%q is not a valid worker name (letters, digits, - and _, up to 63 characters)", w.Name)
		}
		if prev, dup := names[w.Name]; dup {
			return nil, fail(field+".name", "%q is already the name of %s", w.Name, prev)
		}
		names[w.Name] = field
		if rw.Dir != "" {
			w.Dir = rw.Dir
			if !filepath.IsAbs(w.Dir) {
				w.Dir = filepath.Join(dir, w.Dir)
			}
			if st, err := os.Stat(w.Dir); err != nil || !st.IsDir() {
				return nil, fail(field+".dir", "%s is not a directory", w.Dir)
			}
		}
		if w.StartOnRequest, err = parseStartInstances(rw.StartInstances, c.StartOnRequest); err != nil {
			return nil, fail(field+".start_instances", "%v", err)
		}
		if w.Instances < 0 {
			return nil, fail(field+".instances", "must be at least 1")
		}
		if w.Instances == 0 {
			w.Instances = c.Instances
		}
		for j, p := range rw.Routes {
			r, err := ParseRoute(p, w.Name)
			if err != nil {
				return nil, fail(fmt.Sprintf("%s.routes[%d]", field, j), "%v", err)
			}
			w.Routes = append(w.Routes, r)
		}
		if w.Limits, err = rw.Limits.apply(c.Limits, field+".limits", fail); err != nil {
			return nil, err
		}
		c.Workers = append(c.Workers, w)
	}
	return c, nil
}

func (r rawLimits) apply(base Limits, field string, fail func(string, string, ...any) error) (Limits, error) {
	l := base
	for _, ms := range []struct {
		name string
		v    int64
		dst  *time.Duration
	}{{"cpu_ms", r.CPUMs, &l.CPU}, {"wall_ms", r.WallMs, &l.Wall}} {
		if ms.v < 0 {
			return l, fail(field+"."+ms.name, "must be positive")
		}
		if ms.v > maxLimitMs {
			return l, fail(field+"."+ms.name, "%d is too large (at most %d, a day)", ms.v, maxLimitMs)
		}
		if ms.v > 0 {
			*ms.dst = time.Duration(ms.v) * time.Millisecond
		}
	}
	for _, s := range []struct {
		name string
		v    any
		dst  *int64
	}{{"request_body", r.RequestBody, &l.RequestBody}, {"memory", r.Memory, &l.Memory}} {
		if s.v == nil {
			continue
		}
		n, err := parseSize(s.v)
		if err != nil {
			return l, fail(field+"."+s.name, "%v", err)
		}
		*s.dst = n
	}
	return l, nil
}

// parseSize reads a byte count: an integer, or a string such as "100MB",
// "128 MiB" or "512k" (powers of 1024, as Cloudflare's limits are given).
func parseSize(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		if x <= 0 {
			return 0, errors.New("must be positive")
		}
		if x > maxSize {
			return 0, fmt.Errorf("%d is too large (at most 1TB)", x)
		}
		return x, nil
	case string:
		s := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(x), " ", ""))
		s = strings.TrimSuffix(strings.TrimSuffix(s, "IB"), "B")
		mult := int64(1)
		if s != "" {
			switch s[len(s)-1] {
			case 'K':
				mult, s = 1<<10, s[:len(s)-1]
			case 'M':
				mult, s = 1<<20, s[:len(s)-1]
			case 'G':
				mult, s = 1<<30, s[:len(s)-1]
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a size (write e.g. 100MB or 131072)", x)
		}
		if n > maxSize/mult {
			return 0, fmt.Errorf("%q is too large (at most 1TB)", x)
		}
		return n * mult, nil
	}
	return 0, fmt.Errorf("expected a size such as \"100MB\" or a number of bytes, got %v", v)
}

// parseStartInstances reads start_instances: whether instances start on
// a worker's first request ("on_request") or when its version is applied
// ("on_deploy"); empty keeps def.
func parseStartInstances(s string, def bool) (bool, error) {
	switch s {
	case "":
		return def, nil
	case "on_request":
		return true, nil
	case "on_deploy":
		return false, nil
	}
	return false, fmt.Errorf("expected \"on_deploy\" or \"on_request\", got %q", s)
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > maxDuration {
		return 0, fmt.Errorf("%q is not a duration (write e.g. 30s or 2m)", s)
	}
	return d, nil
}

// validName follows Cloudflare's worker names.
func validName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// redactURL hides a password in a URL shown in an error.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.LastIndexByte(u, '@'); j > i {
			if k := strings.IndexByte(u[i+3:j], ':'); k >= 0 {
				return u[:i+3+k+1] + "***" + u[j:]
			}
		}
	}
	return u
}

// Worker returns the named worker's configuration, or nil.
func (c *Config) Worker(name string) *WorkerConfig {
	for i := range c.Workers {
		if c.Workers[i].Name == name {
			return &c.Workers[i]
		}
	}
	return nil
}

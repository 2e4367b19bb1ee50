// Package platform assembles workers: it opens the services of one node
// once (KV, the Cache API store, the outbound network, cron) and turns a
// worker's bundle and settings into a runnable worker, handing it only
// the resources it is bound to. `outpost dev` and `outpost serve` both
// build their workers here, so neither has a feature the other lacks by
// accident.
package platform

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/assets"
	assetsbinding "github.com/outpost-dev/outpost/internal/bindings/assets"
	cachebinding "github.com/outpost-dev/outpost/internal/bindings/cache"
	d1binding "github.com/outpost-dev/outpost/internal/bindings/d1"
	durablebinding "github.com/outpost-dev/outpost/internal/bindings/durable"
	hyperdrivebinding "github.com/outpost-dev/outpost/internal/bindings/hyperdrive"
	kvbinding "github.com/outpost-dev/outpost/internal/bindings/kv"
	queuebinding "github.com/outpost-dev/outpost/internal/bindings/queue"
	r2binding "github.com/outpost-dev/outpost/internal/bindings/r2"
	servicebinding "github.com/outpost-dev/outpost/internal/bindings/service"
	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1fleet"
	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/kv"
	kvpostgres "github.com/outpost-dev/outpost/internal/kv/postgres"
	kvsqlite "github.com/outpost-dev/outpost/internal/kv/sqlite"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/r2"
	"github.com/outpost-dev/outpost/internal/r2/filestore"
	"github.com/outpost-dev/outpost/internal/r2/s3store"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Options select the node's services.
type Options struct {
	// StateDir holds the embedded stores: .outpost/state under dev,
	// state_dir under serve.
	StateDir string
	// KVURL is a postgres:// URL for KV shared by a fleet; empty keeps KV
	// in SQLite under StateDir.
	KVURL string
	// CacheOff turns the Cache API into no-ops that always miss and sends
	// fetch() past the zone cache (outpost dev --cache=false).
	CacheOff bool
	// DenyPrivateSubrequests refuses fetch() to addresses that are not
	// public (checked on the resolved address), except to a worker's own
	// origin.
	DenyPrivateSubrequests bool
	// Clock is the time KV expiry, the cache and cron see (default: the
	// system clock).
	Clock cron.Clock
	// Claimer makes each cron time fire once across a fleet (nil: every
	// node fires).
	Claimer cron.Claimer
	// Logger receives Outpost's logs; Console the workers' console output.
	Logger  *slog.Logger
	Console func(worker, level, text string)
	// ConsoleContext, when set, receives console lines with the context
	// of the invocation that wrote them (runtime.EventTag).
	ConsoleContext func(ctx context.Context, worker, level, text string)
	// ObserveOp is told of every storage and service operation (metrics).
	ObserveOp func(worker, family, op, result string)
	// CountSubrequest is told of every fetch() that reaches the network.
	CountSubrequest func(worker string)
	// Subrequest, when set, is told how each fetch() to the network ended
	// (the dev dashboard's request log).
	Subrequest func(worker string, r *http.Request, resp *http.Response, err error, took time.Duration)
	// Events receives invocations that are not requests (cron runs).
	Events Events
	// QueueURL is a postgres:// URL for queues shared by a fleet; empty
	// keeps them in SQLite under StateDir. QueueLease is how long a
	// delivery stays leased to this node without renewal (default 30 s).
	QueueURL   string
	QueueLease time.Duration
	// QueueEvents is told how each queue delivery ended.
	QueueEvents func(worker string, r queue.Report, outcome runtime.Outcome)
	// R2S3 keeps R2 buckets in an S3-compatible store; nil keeps them as
	// files under StateDir/r2.
	R2S3 *s3store.Options
	// ObjectsFleet puts Durable Objects on a fleet (nil: on this node).
	// ObjectIdleTimeout evicts objects idle that long from memory
	// (default 70 s, as on Cloudflare).
	ObjectsFleet      *ObjectsFleet
	ObjectIdleTimeout time.Duration
	// KVSweepEvery and CacheSweepEvery are how often expired entries are
	// removed (defaults: one minute each).
	KVSweepEvery, CacheSweepEvery time.Duration
}

// Events is told how scheduled invocations ended, for logs and tail.
type Events interface {
	Scheduled(worker, cron string, at time.Time, took time.Duration, res runtime.ScheduledResult, err error)
}

// Node is the services one Outpost process gives its workers.
type Node struct {
	opts    Options
	log     *slog.Logger
	kv      *kv.KV
	kvStore kv.Store
	kvWhere string
	cache   *cache.Store
	r2      r2.Store

	queues     *queue.Broker
	queueWhere string
	consumers  map[string]*consumerClaim // queue → the worker consuming it here (under mu)

	objects        *durablebinding.Objects
	objectsHandler http.Handler // forwarded calls, on a fleet
	objectsWhere   string
	fleet          *fleet.Node // on a fleet: shared by Durable Objects and D1
	d1             *d1.Store   // on this node (nil on a fleet)
	d1fleet        *d1fleet.Store
	d1open         d1.Opener

	mu      sync.RWMutex
	workers map[string]func() *runtime.Worker
	classes map[string]map[string]bool // worker → its Durable Object classes

	stop    context.CancelFunc
	closers []func()
}

// Open opens the node's stores and starts their sweepers.
func Open(ctx context.Context, o Options) (*Node, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = cron.SystemClock()
	}
	if o.KVSweepEvery <= 0 {
		o.KVSweepEvery = time.Minute
	}
	if o.CacheSweepEvery <= 0 {
		o.CacheSweepEvery = time.Minute
	}
	n := &Node{opts: o, log: o.Logger, workers: map[string]func() *runtime.Worker{}, classes: map[string]map[string]bool{}}
	sweepCtx, stop := context.WithCancel(context.Background())
	n.stop = stop
	n.closers = append(n.closers, stop)

	store, where, err := OpenKVStore(ctx, o.StateDir, o.KVURL)
	if err != nil {
		n.Close()
		return nil, err
	}
	n.kvWhere = where
	n.closers = append(n.closers, func() { store.Close() })
	n.kvStore = store
	n.kv = kv.New(store, kv.Options{Now: o.Clock.Now})
	go n.kv.StartSweeper(sweepCtx, o.KVSweepEvery, n.log)

	cs, err := cache.Open(cache.Options{Dir: o.StateDir, Now: o.Clock.Now, Logf: func(format string, args ...any) {
		n.log.Debug(fmt.Sprintf(format, args...))
	}})
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("opening the cache in %s: %w", filepath.Join(o.StateDir, "cache"), err)
	}
	n.cache = cs
	if !o.CacheOff {
		go n.sweepCache(sweepCtx)
	}
	if n.r2, err = OpenR2Store(o.StateDir, o.R2S3); err != nil {
		n.Close()
		return nil, err
	}
	n.closers = append(n.closers, func() { n.r2.Close() })
	if err := n.openQueues(ctx); err != nil {
		n.Close()
		return nil, err
	}
	if err := n.openObjects(ctx); err != nil {
		n.Close()
		return nil, err
	}
	n.openD1()
	return n, nil
}

// OpenKVStore opens KV storage: PostgreSQL when url is set (shared by
// every process that points at it), else SQLite under stateDir. It also
// says where the data lives, for the log.
func OpenKVStore(ctx context.Context, stateDir, url string) (kv.Store, string, error) {
	if url != "" {
		pg, err := kvpostgres.Open(ctx, url)
		if err != nil {
			return nil, "", fmt.Errorf("KV in PostgreSQL (%s): %w", RedactURL(url), err)
		}
		return pg, "PostgreSQL " + RedactURL(url), nil
	}
	lite, err := kvsqlite.OpenStateDir(stateDir)
	if err != nil {
		return nil, "", fmt.Errorf("opening KV in %s: %w", filepath.Join(stateDir, "kv"), err)
	}
	return lite, lite.Path(), nil
}

// OpenR2Store opens R2 storage: the S3-compatible store s3 names, or
// files under stateDir/r2.
func OpenR2Store(stateDir string, s3 *s3store.Options) (r2.Store, error) {
	if s3 != nil {
		return s3store.Open(*s3)
	}
	s, err := filestore.Open(filepath.Join(stateDir, "r2"))
	if err != nil {
		return nil, fmt.Errorf("opening R2 in %s: %w", filepath.Join(stateDir, "r2"), err)
	}
	return s, nil
}

// R2 is the node's R2 store (for the CLI and tests).
func (n *Node) R2() r2.Store { return n.r2 }

// sweepCache removes expired Cache API entries from memory and disk; until
// then an expired entry only misses.
func (n *Node) sweepCache(ctx context.Context) {
	t := time.NewTicker(n.opts.CacheSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if c := n.cache.Sweep(); c > 0 {
				n.log.Debug(fmt.Sprintf("cache: swept %d expired entries", c))
			}
		}
	}
}

// Close stops the sweepers and closes the stores.
func (n *Node) Close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		n.closers[i]()
	}
	n.closers = nil
}

// KV is the node's KV service (for the CLI and tests).
func (n *Node) KV() *kv.KV { return n.kv }

// KVWhere says where KV data lives, for the log.
func (n *Node) KVWhere() string { return n.kvWhere }

// Cache is the node's Cache API store (purges go to it).
func (n *Node) Cache() *cache.Store { return n.cache }

// Clock is the node's clock.
func (n *Node) Clock() cron.Clock { return n.opts.Clock }

// Register makes a worker reachable by name through service bindings:
// current returns its running version (nil while it has none).
func (n *Node) Register(name string, current func() *runtime.Worker) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.workers[name] = current
}

// objectClasses are a worker's Durable Object classes, as its running
// version declares them.
func (n *Node) objectClasses(worker string) map[string]bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.classes[worker]
}

// Objects is the node's Durable Object storage (for the CLI and tests).
func (n *Node) Objects() *durable.Store { return n.objects.Store() }

// ObjectsHandler serves the calls other nodes of the fleet forward to
// this node's Durable Objects; nil when the objects are not on a fleet.
func (n *Node) ObjectsHandler() http.Handler { return n.objectsHandler }

// LiveObjects counts the Durable Objects in memory on this node.
func (n *Node) LiveObjects() int { return n.objects.Live() }

// ObjectsWhere says where Durable Objects' storage lives, for the log.
func (n *Node) ObjectsWhere() string { return n.objectsWhere }

// D1 is the node's D1 storage on this node (`outpost dev`); nil when
// the databases are on a fleet.
func (n *Node) D1() *d1.Store { return n.d1 }

// Lookup is the running version of a registered worker, or nil.
func (n *Node) Lookup(name string) *runtime.Worker {
	n.mu.RLock()
	current := n.workers[name]
	n.mu.RUnlock()
	if current == nil {
		return nil
	}
	return current()
}

// Settings are what runs a worker besides its bundle: what the operator or
// the command line says about it.
type Settings struct {
	Name string
	// Origin is where pass-through requests and fetch() to the worker's
	// own hosts (SelfHosts) go.
	Origin    *url.URL
	SelfHosts []string
	// Vars override the bundle's vars (outpost dev --var).
	Vars map[string]any
	// Secrets are set on env as strings and win over vars of the same
	// name (.dev.vars under dev, [workers.vars] under serve).
	Secrets map[string]string
	// CPULimit caps the bundle's own cpu_ms (zero: the bundle's, else 30 s).
	CPULimit time.Duration
	// Site serves the worker's static assets, when it has any.
	Site *assets.Site
	// CacheZone names the worker's partition of the node's Cache API
	// store (caches.default, named caches, fetch()'s zone cache); workers
	// with the same zone share it. "" is the whole store (outpost dev).
	CacheZone string
}

// Host makes the host a worker's instances share: logging, fetch() with
// the zone cache and the address guard, and the extensions.
func (n *Node) Host(s *Settings) *runtime.Host {
	var zone runtime.SubrequestCache
	store := n.cache
	if n.opts.CacheOff {
		store = nil
	} else {
		zone = cachebinding.PartitionZoneCache(n.cache, s.CacheZone)
	}
	// DenyPrivate guards connect() sockets too (fetch() is guarded by the
	// transport below).
	fetcher := &runtime.Fetcher{Origin: s.Origin, SelfHosts: s.SelfHosts, Cache: zone, DenyPrivate: n.opts.DenyPrivateSubrequests}
	fetcher.Client = &http.Client{Transport: &countingTransport{
		next:  n.transport(s.Origin),
		count: n.opts.CountSubrequest,
		seen:  n.opts.Subrequest,
		name:  s.Name,
	}}
	return &runtime.Host{
		Logger:         n.log,
		Console:        n.opts.Console,
		ConsoleContext: n.opts.ConsoleContext,
		Fetch:          fetcher,
		Extensions:     extensions(store, s.CacheZone, n, n.objects, n.objectClasses),
		ObserveOp:      n.opts.ObserveOp,
	}
}

// extensions are the capability packages every host has, in prelude order.
func extensions(store *cache.Store, zone string, workers servicebinding.Workers, objects *durablebinding.Objects, classes durablebinding.Classes) []runtime.Extension {
	return []runtime.Extension{
		cachebinding.PartitionExtension(store, zone),
		kvbinding.Extension(),
		r2binding.Extension(),
		servicebinding.Extension(workers),
		assetsbinding.Extension(),
		durablebinding.Extension(objects, classes),
		hyperdrivebinding.Extension(),
		queuebinding.Extension(),
		d1binding.Extension(),
	}
}

// Warm starts, in the background, the work every worker's first instance
// waits for and that needs nothing from the project: JavaScriptCore's
// initialisation, the prelude (built from the extensions' JavaScript, or
// read from the cache) and a spare instance with the prelude evaluated,
// which the first worker adopts. outpost dev calls it first thing, so it
// overlaps with reading the configuration, bundling and opening the
// stores.
func Warm() {
	runtime.Warm(extensions(nil, "", nil, nil, nil))
}

// KeepSpare is Warm, and keeps a spare instance ready from then on, so that
// each worker started later (on its first request, after an idle release,
// for one more instance or a new version) starts with its own script
// alone: outpost serve calls it.
func KeepSpare() {
	runtime.KeepSpare(extensions(nil, "", nil, nil, nil))
}

// Config is the runtime configuration of bundle b run with settings s on
// host: its bindings resolved to this node's resources.
func (n *Node) Config(b *Bundle, s *Settings, host *runtime.Host) (*runtime.Config, error) {
	rc := &runtime.Config{
		Name: s.Name,
		Script: runtime.Script{
			Code:    b.Code,
			URL:     "worker.js",
			Modules: b.Modules,
		},
		Bindings: runtime.Bindings{
			Vars:    map[string]any{},
			Secrets: map[string]string{},
			Objects: map[string]runtime.Binding{},
		},
		CPULimit:           s.CPULimit,
		SubrequestLimit:    b.Subrequests,
		Host:               host,
		NodeCompat:         b.NodeCompat(),
		PopulateProcessEnv: b.PopulateProcessEnv(),
	}
	// The wrangler config's cpu_ms may lower the operator's limit, never
	// raise it.
	if b.CPUMs > 0 {
		if d := time.Duration(b.CPUMs) * time.Millisecond; rc.CPULimit == 0 || d < rc.CPULimit {
			rc.CPULimit = d
		}
	}
	sm, err := b.stack()
	if err != nil {
		return nil, err
	}
	if sm != nil {
		rc.Script.Stack = stackMapper{sm, rc.Script.URL}
	}
	for k, v := range b.Vars {
		rc.Bindings.Vars[k] = v
	}
	for k, v := range s.Vars {
		rc.Bindings.Vars[k] = v
	}
	for k, v := range s.Secrets {
		rc.Bindings.Secrets[k] = v
		delete(rc.Bindings.Vars, k)
	}
	bind := func(name string, binding runtime.Binding) error {
		if _, dup := rc.Bindings.Objects[name]; dup {
			return fmt.Errorf("worker %s: two bindings are named %q", s.Name, name)
		}
		rc.Bindings.Objects[name] = binding
		return nil
	}
	for _, ns := range b.KVNamespaces {
		if err := bind(ns.Binding, kvbinding.Binding{Namespace: n.kv.Namespace(ns.ID)}); err != nil {
			return nil, err
		}
	}
	for _, rb := range b.R2Buckets {
		if err := bind(rb.Binding, r2binding.Binding{Bucket: r2.NewBucket(rb.Bucket, n.r2.Backend(rb.Bucket))}); err != nil {
			return nil, err
		}
	}
	for _, sb := range b.Services {
		if err := bind(sb.Binding, servicebinding.Binding{Service: sb.Service, Entrypoint: sb.Entrypoint, Workers: n}); err != nil {
			return nil, err
		}
	}
	for _, d := range b.DurableObjects {
		script := d.Script
		if script == "" {
			script = s.Name
		}
		if err := bind(d.Binding, durablebinding.Namespace{Script: script, Class: d.Class, Workers: n, Objects: n.objects}); err != nil {
			return nil, err
		}
	}
	for name, spec := range b.Hyperdrive {
		if err := bind(name, hyperdrivebinding.Binding{Spec: spec}); err != nil {
			return nil, err
		}
	}
	for _, d := range b.D1Databases {
		db, err := n.d1open.Database(d.Database)
		if err != nil {
			return nil, fmt.Errorf("worker %s: D1 binding %s: %w", s.Name, d.Binding, err)
		}
		if err := bind(d.Binding, d1binding.Binding{DB: db}); err != nil {
			return nil, err
		}
	}
	contentType := "v8"
	if b.queueJSONByDefault() {
		contentType = "json"
	}
	for _, p := range b.QueueProducers {
		if err := bind(p.Binding, queuebinding.Producer{Broker: n.queues, Queue: p.Queue, DeliveryDelay: p.DeliveryDelay, DefaultContentType: contentType}); err != nil {
			return nil, err
		}
	}
	n.mu.Lock()
	n.classes[s.Name] = b.ObjectClasses
	n.mu.Unlock()
	if b.AssetsBinding != "" {
		if s.Site == nil {
			return nil, fmt.Errorf("worker %s: the assets binding %q has no assets on this node (a deployed version carries no files; run the worker from its project directory)", s.Name, b.AssetsBinding)
		}
		if err := bind(b.AssetsBinding, assetsbinding.Binding{Site: s.Site}); err != nil {
			return nil, err
		}
	}
	return rc, nil
}

// transport sends a worker's fetch() calls. With DenyPrivateSubrequests
// every connection's resolved address must be public, except to the
// worker's configured origin, which the operator chose (and which is
// usually on the private network).
func (n *Node) transport(origin *url.URL) http.RoundTripper {
	plain := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := plain.DialContext
	proxy := http.ProxyFromEnvironment
	if n.opts.DenyPrivateSubrequests {
		guarded := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: runtime.DenyPrivateControl}
		originAddr := ""
		if origin != nil {
			originAddr = hostPort(origin)
		}
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if originAddr != "" && strings.EqualFold(addr, originAddr) {
				return plain.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		}
		proxy = nil // a proxy would reach the private address on our behalf
	}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           dial,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// hostPort is u's host with the scheme's default port when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// countingTransport tells the node's hook of each subrequest that reaches
// the network.
type countingTransport struct {
	next  http.RoundTripper
	count func(worker string)
	seen  func(worker string, r *http.Request, resp *http.Response, err error, took time.Duration)
	name  string
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.count != nil {
		t.count(t.name)
	}
	if t.seen == nil {
		return t.next.RoundTrip(r)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.seen(t.name, r, resp, err, time.Since(start))
	return resp, err
}

// RedactURL hides the password of a database URL in messages.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}

type stackMapper struct {
	m interface {
		RewriteStack(stack, url string) string
	}
	url string
}

func (s stackMapper) RewriteStack(stack string) string { return s.m.RewriteStack(stack, s.url) }

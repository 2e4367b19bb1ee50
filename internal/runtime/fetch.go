package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Fetcher performs workers' subrequests (fetch()).
type Fetcher struct {
	// Client sends the requests; its redirect policy is replaced per call.
	// Default: a client with sane timeouts.
	Client *http.Client
	// Origin is where requests for the worker's own host go, as a
	// Cloudflare subrequest to the same zone skips the worker. Nil: such
	// a request fails with an error instead of looping into the worker.
	Origin *url.URL
	// SelfHosts are host[:port]s that reach the worker itself (the dev
	// server's address and its routes' hosts).
	SelfHosts []string
	// Cache, when set, gives subrequests Cloudflare's zone cache
	// behaviour (cf.cacheTtl, cf.cacheEverything…).
	Cache SubrequestCache
	// DenyPrivate refuses subrequests that would connect to a loopback,
	// private or link-local address (checked on the resolved address).
	// It applies to the default Client only.
	DenyPrivate bool

	once sync.Once
}

// SubrequestCache sits in front of the origin for fetch().
type SubrequestCache interface {
	Fetch(req *http.Request, cf map[string]any, send func(*http.Request) (*http.Response, error)) (*http.Response, error)
}

// MaxRedirects is how many redirects fetch follows, as in browsers.
const MaxRedirects = 20

func (f *Fetcher) client() *http.Client {
	f.once.Do(func() {
		if f.Client == nil {
			dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
			proxy := http.ProxyFromEnvironment
			if f.DenyPrivate {
				dialer.Control = DenyPrivateControl
				proxy = nil // a proxy would dial the private address for us
			}
			f.Client = &http.Client{Transport: &http.Transport{
				Proxy:                 proxy,
				DialContext:           dialer.DialContext,
				MaxIdleConnsPerHost:   256,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   10 * time.Second,
				ExpectContinueTimeout: time.Second,
			}}
		}
	})
	return f.Client
}

// isSelf reports whether u addresses the worker itself.
func (f *Fetcher) isSelf(u *url.URL) bool {
	host := strings.ToLower(u.Host)
	for _, h := range f.SelfHosts {
		if strings.EqualFold(h, host) {
			return true
		}
		// A route host without a port matches any port.
		if !strings.Contains(h, ":") && strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// ErrLoop is returned for a subrequest to the worker's own address when no
// origin is configured.
var ErrLoop = errors.New("fetch() to the worker's own address would call the worker again; " +
	"Outpost sends such subrequests to the origin, but none is configured (use --origin URL or [dev] origin)")

// FetchOptions are the per-call settings of a subrequest.
type FetchOptions struct {
	Redirect string // follow, manual, error
	CF       map[string]any
}

// Do sends one subrequest.
func (f *Fetcher) Do(req *http.Request, o FetchOptions) (*http.Response, error) {
	if f.isSelf(req.URL) && f.Origin == nil {
		return nil, ErrLoop
	}
	// The rewrite to the origin happens after the cache, which keys
	// entries by the URL the worker asked for, as the zone cache does.
	send := func(r *http.Request) (*http.Response, error) {
		if f.isSelf(r.URL) {
			r.URL.Scheme = f.Origin.Scheme
			r.URL.Host = f.Origin.Host
			r.Host = f.Origin.Host
		}
		return f.send(r, o.Redirect)
	}
	if f.Cache != nil && cacheableMethod(req) {
		return f.Cache.Fetch(req, o.CF, send)
	}
	return send(req)
}

func cacheableMethod(req *http.Request) bool {
	return req.Method == http.MethodGet || req.Method == http.MethodHead
}

func (f *Fetcher) send(req *http.Request, redirect string) (*http.Response, error) {
	base := f.client()
	c := *base
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		switch redirect {
		case "manual":
			return http.ErrUseLastResponse
		case "error":
			return fmt.Errorf("fetch failed: redirect to %s with redirect mode \"error\"", r.URL)
		}
		if len(via) >= MaxRedirects {
			return fmt.Errorf("fetch failed: too many redirects (%d)", len(via))
		}
		if f.isSelf(r.URL) && f.Origin != nil {
			r.URL.Scheme, r.URL.Host, r.Host = f.Origin.Scheme, f.Origin.Host, f.Origin.Host
		}
		return nil
	}
	return c.Do(req)
}

// opFetch implements ops.fetch(id, method, url, headers, body, redirect,
// cf): headers in the prelude's string form. It settles with the
// response's head as one string (fetch.js's responseHead reads it):
// status, statusText, redirected (0 or 1), body length (-1 if unknown),
// body stream id (0 for none), final URL and headers, newline-separated.
func (in *Instance) opFetch(call *jsc.Call) (jsc.Value, error) {
	if _, err := in.Subrequest("fetch"); err != nil {
		return jsc.Value{}, err
	}
	c, arg := call.Ctx, call.Arg
	id := arg(0).Int()
	method := arg(1).String()
	rawURL := arg(2).String()
	redirect := arg(5).String()
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return jsc.Value{}, jsc.TypeError("Fetch API cannot load: %s", rawURL)
	}
	header, err := headersFromJS(arg(3))
	if err != nil {
		return jsc.Value{}, err
	}
	var body []byte
	if b := arg(4); !b.IsNullish() {
		if view, ok := b.BytesView(); ok {
			body = bytes.Clone(view)
		} else {
			body = []byte(b.String())
		}
	}
	var cf map[string]any
	if v := arg(6); v.IsObject() {
		if js, err := v.JSON(0); err == nil && js != "" {
			cf, _ = decodeJSONObject(js)
		}
	}
	// The invocation's end cancels the subrequest, unless all that is left
	// of it is a small body of known length: that gets drainTime more to
	// arrive (readahead). Go's client drops a connection whose request is
	// cancelled before the end of its response is read, and a worker that
	// never reads the body (it wanted the status) ends its invocation at
	// once. The body itself is closed at the invocation's end as its
	// stream (streamOwner), or, in a Durable Object, when read or dropped.
	var smallRest atomic.Bool
	owner := in.streamOwner()
	opCtx := in.opContext()
	ctx, cancel := context.WithCancel(context.WithoutCancel(opCtx))
	open := &openFetch{cancel: cancel}
	in.fetchMu.Lock()
	in.fetches[id] = open
	in.fetchMu.Unlock()
	// Set before the op's goroutine starts, which is the first that may
	// forget the fetch.
	open.unwatch = context.AfterFunc(opCtx, func() {
		in.fetchMu.Lock()
		_, open := in.fetches[id]
		in.fetchMu.Unlock()
		switch {
		case !open:
			// Failed, aborted, or its body read or closed: nothing is left.
		case smallRest.Load():
			time.AfterFunc(drainTime, cancel)
		default:
			cancel()
		}
	})
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rdr)
	if err != nil {
		in.forgetFetch(id)
		return jsc.Value{}, jsc.TypeError("%v", err)
	}
	req.Header = header
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	var readBody func() // the body's read-ahead, run by the op's goroutine once the head is queued
	return in.asyncThen(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		if err := passOutputGate(ctx); err != nil {
			in.forgetFetch(id)
			return nil, err
		}
		resp, err := in.host.Fetch.Do(req, FetchOptions{Redirect: redirect, CF: cf})
		if err == nil && resp.ContentLength >= 0 && resp.ContentLength <= drainMax {
			smallRest.Store(true)
		}
		if err != nil {
			in.forgetFetch(id)
			if ctx.Err() != nil {
				return nil, &jsc.Error{Name: "AbortError", Message: "The operation was aborted"}
			}
			var jsErr *jsc.Error
			if errors.Is(err, ErrLoop) || errors.As(err, &jsErr) {
				return nil, err
			}
			return nil, fmt.Errorf("Network connection lost: fetch to %s failed: %s", rawURL, fetchFailure(err))
		}
		// The body is set up here, before the VM's thread has seen the
		// response, and this goroutine reads it ahead as soon as the head
		// is queued: a body that is already there is then usually read by
		// the time JavaScript asks for it, and text() settles without a
		// trip off the thread. Registered in the instance's streams, it is
		// closed with the instance even if the VM's thread never gets to
		// the response.
		length, sid := int64(-1), int64(0)
		if method == http.MethodHead || resp.StatusCode == 204 || resp.StatusCode == 304 {
			resp.Body.Close()
			in.forgetFetch(id)
		} else {
			ra := makeReadahead(resp.Body, resp.ContentLength, func() { in.forgetFetch(id) })
			readBody = ra.run
			var body io.ReadCloser = ra
			if !resp.Uncompressed {
				body = DecodedBody(resp.Header, body)
			}
			// Known up front (from the header: a response from the zone
			// cache may not fill in ContentLength), a response made of
			// it sends it.
			if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 && !resp.Uncompressed {
				if _, decoded := body.(*encodedBody); !decoded {
					length = n
				}
			}
			sid = in.streams.addFor(owner, body)
		}
		return func(c *jsc.Context) (jsc.Value, error) {
			if sid != 0 && owner != 0 && in.reqs[owner] == nil {
				// The invocation ended while the response came: its
				// streams were closed before this one was there.
				in.streams.close(sid)
			}
			finalURL := resp.Request.URL.String()
			redirected := "0"
			if finalURL != u.String() {
				redirected = "1"
			}
			statusText := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
			var head strings.Builder
			fmt.Fprintf(&head, "%d\n%s\n%s\n%d\n%d\n%s\n", resp.StatusCode, statusText, redirected, length, sid, finalURL)
			writeHeaderString(&head, resp.Header)
			return c.String(head.String()), nil
		}, nil
	}, func() {
		if readBody != nil {
			readBody()
		}
	})
}

// fetchFailure says why a subrequest failed without the details of this
// machine's network (resolver addresses, local ports) that Go's errors
// carry: a worker may pass the message on to its clients.
func fetchFailure(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "DNS lookup failed: no such host " + dns.Name
		}
		if dns.IsTimeout {
			return "DNS lookup failed: timed out resolving " + dns.Name
		}
		return "DNS lookup failed for " + dns.Name
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "the connection timed out"
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the peer"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed before a response arrived"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		// The dial's own words without its addresses.
		return op.Op + ": " + op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// openFetch is a subrequest not yet over: its response has not come, or
// its body is still being read.
type openFetch struct {
	cancel  context.CancelFunc
	unwatch func() bool // stops watching the invocation's end for it
}

// forgetFetch is called once a subrequest is over (failed, or its body
// read to its end or closed): the invocation's end has nothing left to
// cancel, and no goroutine is started to find that out.
func (in *Instance) forgetFetch(id int64) {
	in.fetchMu.Lock()
	open := in.fetches[id]
	delete(in.fetches, id)
	in.fetchMu.Unlock()
	if open != nil {
		open.unwatch()
	}
}

func (in *Instance) abortFetch(id int64) {
	in.fetchMu.Lock()
	open := in.fetches[id]
	delete(in.fetches, id)
	in.fetchMu.Unlock()
	if open != nil {
		open.unwatch()
		open.cancel()
	}
}

// headersFromJS reads headers from the prelude: one string
// "name\nvalue\nname\nvalue" (the fast form) or an array of pairs.
func headersFromJS(v jsc.Value) (http.Header, error) {
	h := http.Header{}
	if v.IsNullish() {
		return h, nil
	}
	if v.IsString() {
		return parseHeaderString(v.String())
	}
	n := v.Len()
	for i := 0; i < n; i++ {
		pair := v.Index(i)
		name, value := pair.Index(0).String(), pair.Index(1).String()
		key := http.CanonicalHeaderKey(name)
		h[key] = append(h[key], value)
	}
	return h, nil
}

// parseHeaderString reads the prelude's header list: names and values
// separated by newlines.
func parseHeaderString(s string) (http.Header, error) {
	h := http.Header{}
	for s != "" {
		name, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return h, jsc.TypeError("malformed header list")
		}
		value, next, _ := strings.Cut(rest, "\n")
		key := http.CanonicalHeaderKey(name)
		h[key] = append(h[key], value)
		s = next
	}
	return h, nil
}

// headersToJS gives headers to the prelude in the fast form: one string of
// lower-case names and values separated by newlines (values cannot contain
// one: Go's HTTP stack rejects them).
func headersToJS(c *jsc.Context, h http.Header) (jsc.Value, error) {
	var sb strings.Builder
	writeHeaderString(&sb, h)
	return c.String(sb.String()), nil
}

// writeHeaderString writes h in the prelude's string form: lower-case names
// and values, newline-separated (a newline in a value becomes a space).
func writeHeaderString(sb *strings.Builder, h http.Header) {
	first := true
	for name, values := range h {
		lname := strings.ToLower(name)
		for _, v := range values {
			if !first {
				sb.WriteByte('\n')
			}
			first = false
			sb.WriteString(lname)
			sb.WriteByte('\n')
			sb.WriteString(strings.ReplaceAll(v, "\n", " "))
		}
	}
}

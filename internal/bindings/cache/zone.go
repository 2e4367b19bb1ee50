package cachebinding

import (
	"fmt"
	"math"
	"net/http"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// ZoneCache puts store in front of workers' fetch() subrequests, as
// Cloudflare's zone cache is: set it as Fetcher.Cache. Responses carry
// CF-Cache-Status.
func ZoneCache(store *cache.Store) runtime.SubrequestCache { return zoneCache{store.Partition("")} }

// PartitionZoneCache is ZoneCache within one zone's partition.
func PartitionZoneCache(store *cache.Store, zone string) runtime.SubrequestCache {
	return zoneCache{store.Partition(zone)}
}

type zoneCache struct{ store *cache.Partition }

func (z zoneCache) Fetch(req *http.Request, cfMap map[string]any, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	cf, err := decodeCacheCF(cfMap)
	if err != nil {
		return nil, err
	}
	var last *http.Response
	origin := func(r cache.Request) (*cache.Response, error) {
		oreq, err := http.NewRequestWithContext(req.Context(), r.Method, r.URL, nil)
		if err != nil {
			return nil, err
		}
		oreq.Header = r.Header
		oreq.Host = req.Host
		resp, err := send(oreq)
		if err != nil {
			return nil, err
		}
		last = resp
		return &cache.Response{Status: resp.StatusCode, Header: resp.Header, Body: resp.Body}, nil
	}
	creq := cache.Request{Method: req.Method, URL: req.URL.String(), Header: req.Header, CacheKey: cf.CacheKey}
	resp, err := z.store.Fetch(creq, cf, origin)
	if err != nil {
		if cache.IsTypeError(err) {
			return nil, jsc.TypeError("%s", err.Error())
		}
		return nil, err
	}
	out := &http.Response{
		StatusCode: resp.Status,
		Status:     fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status)),
		Header:     resp.Header,
		Body:       resp.Body,
		Request:    req,
	}
	if out.Body == nil {
		out.Body = http.NoBody
	}
	if last != nil && last.Request != nil {
		// The URL the origin answered from, after redirects.
		out.Request = last.Request
		if resp.Status == last.StatusCode {
			out.Status = last.Status
		}
	}
	return out, nil
}

// decodeCacheCF reads the cache fields of RequestInit.cf, which arrive as
// decoded JSON. Wrong types are TypeErrors naming the field.
func decodeCacheCF(m map[string]any) (cache.CFOptions, error) {
	var o cache.CFOptions
	if v, ok := m["cacheTtl"]; ok && v != nil {
		n, err := cfSeconds("cf.cacheTtl", v)
		if err != nil {
			return o, err
		}
		o.CacheTTL = &n
	}
	if v, ok := m["cacheEverything"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return o, jsc.TypeError("cf.cacheEverything must be a boolean, got %v", v)
		}
		o.CacheEverything = b
	}
	if v, ok := m["cacheKey"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return o, jsc.TypeError("cf.cacheKey must be a string, got %v", v)
		}
		o.CacheKey = s
	}
	if v, ok := m["cacheTtlByStatus"]; ok && v != nil {
		rules, isObject := v.(map[string]any)
		if !isObject {
			return o, jsc.TypeError("cf.cacheTtlByStatus must be an object such as {\"200-299\": 86400, \"404\": 1}, got %v", v)
		}
		o.CacheTTLByStatus = make(map[string]int, len(rules))
		for k, ttl := range rules {
			n, err := cfSeconds(fmt.Sprintf("cf.cacheTtlByStatus[%q]", k), ttl)
			if err != nil {
				return o, err
			}
			o.CacheTTLByStatus[k] = n
		}
	}
	return o, nil
}

func cfSeconds(field string, v any) (int, error) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, jsc.TypeError("%s must be a whole number of seconds, got %v", field, v)
	}
	return int(f), nil
}

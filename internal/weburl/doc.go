// Package weburl implements the WHATWG URL Standard (https://url.spec.whatwg.org/):
// the basic URL parser with its state overrides, host parsing (domains through
// UTS #46, IPv4, IPv6, opaque hosts), serialisation, origins and the setters of
// the URL class. The JavaScript URL class of the runtime prelude is built on it.
package weburl

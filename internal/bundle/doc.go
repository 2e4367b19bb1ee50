// Package bundle turns a worker's entry module and everything it imports
// into one classic script for JavaScriptCore, plus its source map, using
// esbuild with the options wrangler uses.
//
// JavaScriptCore's C API evaluates scripts, not modules, so the bundle is an
// IIFE that assigns the entry's module namespace to
// globalThis.__outpost_entry (its .default is an ES-module worker's handler
// object). A module with top-level await runs inside an async function
// instead, which reports through globalThis.__outpost_tla whether it settled
// (esm.go). Service-worker scripts simply run. Node.js built-ins imported with
// nodejs_compat become calls to globalThis.__outpost_require("node:…"),
// which the runtime provides.
package bundle

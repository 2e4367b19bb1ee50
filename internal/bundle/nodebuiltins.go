package bundle

import "strings"

// nodeBuiltins are Node.js's built-in module names (without "node:"), the
// ones workerd's nodejs_compat may provide.
var nodeBuiltins = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`assert assert/strict async_hooks buffer child_process cluster console
		constants crypto dgram diagnostics_channel dns dns/promises domain events fs fs/promises http http2
		https inspector inspector/promises module net os path path/posix path/win32 perf_hooks process
		punycode querystring readline readline/promises repl stream stream/consumers stream/promises
		stream/web string_decoder sys timers timers/promises tls trace_events tty url util util/types v8 vm
		wasi worker_threads zlib sqlite test
		_stream_readable _stream_writable _stream_duplex _stream_transform _stream_passthrough`) {
		nodeBuiltins[n] = true
	}
}

// builtinName reports whether an import path names a Node.js built-in and
// returns its "node:"-less name.
func builtinName(path string) (string, bool) {
	if name, ok := strings.CutPrefix(path, "node:"); ok {
		return name, true
	}
	return path, nodeBuiltins[path]
}

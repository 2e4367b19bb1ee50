//go:build linux

package inspector

/*
#cgo linux pkg-config: glib-2.0
#include <stdlib.h>
#include <string.h>
#include <glib.h>

// GVariant serialisation, done by GLib itself so that the bytes are what
// JavaScriptCore's SocketConnection (WTF/glib) reads and writes.

static void* outpost_store(GVariant* v, size_t* n) {
	g_variant_ref_sink(v);
	*n = g_variant_get_size(v);
	void* out = malloc(*n ? *n : 1);
	g_variant_store(v, out);
	g_variant_unref(v);
	return out;
}

static void* outpost_encode_t(guint64 id, size_t* n) { return outpost_store(g_variant_new("(t)", id), n); }
static void* outpost_encode_ts(guint64 id, const char* s, size_t* n) { return outpost_store(g_variant_new("(ts)", id, s), n); }

// outpost_decode_ts reads "(ts)"; the string is copied (free it).
static int outpost_decode_ts(const void* data, size_t n, guint64* id, char** s) {
	GVariant* v = g_variant_ref_sink(g_variant_new_from_data(G_VARIANT_TYPE("(ts)"), data, n, FALSE, NULL, NULL));
	const char* str = NULL;
	g_variant_get(v, "(t&s)", id, &str);
	*s = strdup(str);
	g_variant_unref(v);
	return 0;
}

typedef struct { guint64 id; char* type; char* name; char* url; int local; } outpost_target;

// outpost_decode_targets reads SetTargetList's "(a(tsssb)b)" into a
// malloc'd array (free it with outpost_free_targets).
static outpost_target* outpost_decode_targets(const void* data, size_t n, size_t* count) {
	GVariant* v = g_variant_ref_sink(g_variant_new_from_data(G_VARIANT_TYPE("(a(tsssb)b)"), data, n, FALSE, NULL, NULL));
	GVariant* list = g_variant_get_child_value(v, 0);
	size_t k = g_variant_n_children(list);
	outpost_target* out = calloc(k ? k : 1, sizeof(outpost_target));
	for (size_t i = 0; i < k; i++) {
		const char *t, *nm, *u;
		gboolean local;
		g_variant_get_child(list, i, "(t&s&s&sb)", &out[i].id, &t, &nm, &u, &local);
		out[i].type = strdup(t);
		out[i].name = strdup(nm);
		out[i].url = strdup(u);
		out[i].local = local;
	}
	g_variant_unref(list);
	g_variant_unref(v);
	*count = k;
	return out;
}

static void outpost_free_targets(outpost_target* t, size_t n) {
	for (size_t i = 0; i < n; i++) { free(t[i].type); free(t[i].name); free(t[i].url); }
	free(t);
}

static outpost_target* outpost_target_at(outpost_target* t, size_t i) { return &t[i]; }
*/
import "C"

import "unsafe"

// GVariant parameters, serialised by GLib (linked with JavaScriptCore).

func takeC(p unsafe.Pointer, n C.size_t) []byte {
	defer C.free(p)
	return C.GoBytes(p, C.int(n))
}

func encodeID(id uint64) []byte {
	var n C.size_t
	p := C.outpost_encode_t(C.guint64(id), &n)
	return takeC(p, n)
}

func encodeIDString(id uint64, s string) []byte {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	var n C.size_t
	p := C.outpost_encode_ts(C.guint64(id), cs, &n)
	return takeC(p, n)
}

func decodeIDString(data []byte) (uint64, string) {
	cdata := C.CBytes(data)
	defer C.free(cdata)
	var id C.guint64
	var s *C.char
	C.outpost_decode_ts(cdata, C.size_t(len(data)), &id, &s)
	defer C.free(unsafe.Pointer(s))
	return uint64(id), C.GoString(s)
}

func decodeTargets(data []byte) []Target {
	cdata := C.CBytes(data)
	defer C.free(cdata)
	var n C.size_t
	list := C.outpost_decode_targets(cdata, C.size_t(len(data)), &n)
	defer C.outpost_free_targets(list, n)
	out := make([]Target, int(n))
	for i := range out {
		t := C.outpost_target_at(list, C.size_t(i))
		out[i] = Target{ID: uint64(t.id), Type: C.GoString(t._type), Name: C.GoString(t.name), URL: C.GoString(t.url), HasDebugger: t.local != 0}
	}
	return out
}

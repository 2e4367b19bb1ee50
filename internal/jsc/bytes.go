package jsc

/*
#include <stdlib.h>
#include <JavaScriptCore/JavaScript.h>
JSObjectRef outpost_make_uint8array(JSContextRef ctx, void* bytes, size_t n, JSValueRef* exc);
JSObjectRef outpost_make_arraybuffer(JSContextRef ctx, void* bytes, size_t n, JSValueRef* exc);
*/
import "C"

import "unsafe"

// NewBytes makes a Uint8Array of n bytes in memory JavaScriptCore will own,
// and returns a Go slice over the same memory so that Go can fill it (from a
// socket, a file, a database row) without a second copy. The slice must not
// be used after the task ends or the array is transferred.
func (c *Context) NewBytes(n int) (Value, []byte, error) {
	return c.newBuffer(n, false)
}

// NewArrayBuffer is NewBytes for a bare ArrayBuffer.
func (c *Context) NewArrayBuffer(n int) (Value, []byte, error) {
	return c.newBuffer(n, true)
}

func (c *Context) newBuffer(n int, arrayBuffer bool) (Value, []byte, error) {
	size := n
	if size == 0 {
		size = 1 // malloc(0) may return NULL, which the engine rejects.
	}
	p := C.malloc(C.size_t(size))
	if p == nil {
		return c.Undefined(), nil, RangeError("cannot allocate %d bytes", n)
	}
	var exc C.JSValueRef
	var obj C.JSObjectRef
	if arrayBuffer {
		obj = C.outpost_make_arraybuffer(c.ref, p, C.size_t(n), &exc)
	} else {
		obj = C.outpost_make_uint8array(c.ref, p, C.size_t(n), &exc)
	}
	if exc != nil {
		C.free(p)
		return c.Undefined(), nil, c.exception(exc)
	}
	return c.wrap(C.JSValueRef(obj)), unsafe.Slice((*byte)(p), n), nil
}

// Bytes makes a Uint8Array holding a copy of b.
func (c *Context) Bytes(b []byte) (Value, error) {
	v, buf, err := c.NewBytes(len(b))
	if err == nil {
		copy(buf, b)
	}
	return v, err
}

// BytesView returns the bytes of an ArrayBuffer, typed array or DataView
// without copying. ok is false for other values. The slice is valid only
// during the current task or host call and while the buffer is not
// detached or resized; copy it to keep it.
func (v Value) BytesView() (b []byte, ok bool) {
	c := v.c
	if !v.IsObject() {
		return nil, false
	}
	var exc C.JSValueRef
	t := C.JSValueGetTypedArrayType(c.ref, v.ref, &exc)
	obj := C.JSObjectRef(v.ref)
	switch t {
	case C.kJSTypedArrayTypeNone:
		// DataView, and typed arrays newer than the C API (Float16Array),
		// are not typed arrays to it: read their buffer.
		ab := c.Global().Get("ArrayBuffer")
		if isView, err := ab.Get("isView").Call(ab, v); err == nil && isView.Bool() {
			buf, ok := v.Get("buffer").BytesView()
			if !ok {
				return nil, false
			}
			off, n := int(v.Get("byteOffset").Int()), int(v.Get("byteLength").Int())
			if off < 0 || n < 0 || off+n > len(buf) {
				return nil, false
			}
			return buf[off : off+n], true
		}
		return nil, false
	case C.kJSTypedArrayTypeArrayBuffer:
		p := C.JSObjectGetArrayBufferBytesPtr(c.ref, obj, &exc)
		n := int(C.JSObjectGetArrayBufferByteLength(c.ref, obj, &exc))
		if p == nil || n == 0 {
			return []byte{}, true
		}
		return unsafe.Slice((*byte)(p), n), true
	default:
		p := C.JSObjectGetTypedArrayBytesPtr(c.ref, obj, &exc)
		n := int(C.JSObjectGetTypedArrayByteLength(c.ref, obj, &exc))
		off := int(C.JSObjectGetTypedArrayByteOffset(c.ref, obj, &exc))
		if p == nil || n == 0 {
			return []byte{}, true
		}
		// The pointer is the start of the buffer, not of the view.
		return unsafe.Slice((*byte)(unsafe.Add(p, off)), n), true
	}
}

// CopyBytes returns a copy of the bytes of a buffer-like value.
func (v Value) CopyBytes() ([]byte, bool) {
	b, ok := v.BytesView()
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

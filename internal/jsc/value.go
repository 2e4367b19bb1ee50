package jsc

/*
#include <stdlib.h>
#include <string.h>
#include <JavaScriptCore/JavaScript.h>

// outpost_utf8_string makes a JSStringRef of n bytes of UTF-8 (no NUL among
// them) in one call from Go: one cgo transition instead of an allocation,
// the engine call and a free.
static JSStringRef outpost_utf8_string(const char* p, size_t n) {
	char small[512];
	char* buf = n < sizeof small ? small : (char*)malloc(n + 1);
	memcpy(buf, p, n);
	buf[n] = 0;
	JSStringRef s = JSStringCreateWithUTF8CString(buf);
	if (buf != small) free(buf);
	return s;
}

// outpost_utf8_value makes a protected JavaScript string value of n bytes
// of UTF-8 (no NUL among them).
static JSValueRef outpost_utf8_value(JSContextRef ctx, const char* p, size_t n) {
	JSStringRef s = outpost_utf8_string(p, n);
	JSValueRef v = JSValueMakeString(ctx, s);
	JSStringRelease(s);
	JSValueProtect(ctx, v);
	return v;
}
*/
import "C"

import (
	"math"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Context is the handle through which Go code on a VM's thread makes and
// inspects values. It is valid only on that thread.
type Context struct {
	vm  *VM
	ref C.JSContextRef
}

// Value is a JavaScript value. It is valid only on its VM's thread and, unless
// kept with Keep, only until the task or host call that produced it returns.
type Value struct {
	c   *Context
	ref C.JSValueRef
}

// VM returns the VM this context belongs to.
func (c *Context) VM() *VM { return c.vm }

func (c *Context) wrap(ref C.JSValueRef) Value {
	c.vm.track(ref)
	return Value{c, ref}
}

// Global returns the global object.
func (c *Context) Global() Value {
	return Value{c, C.JSValueRef(C.JSContextGetGlobalObject(c.ref))}
}

// Undefined returns undefined.
func (c *Context) Undefined() Value { return Value{c, C.JSValueMakeUndefined(c.ref)} }

// Null returns null.
func (c *Context) Null() Value { return Value{c, C.JSValueMakeNull(c.ref)} }

// Bool returns a boolean.
func (c *Context) Bool(b bool) Value { return Value{c, C.JSValueMakeBoolean(c.ref, C.bool(b))} }

// Number returns a number. On 64-bit platforms numbers are encoded in the
// value itself, never heap cells, so they need no protection; elsewhere the
// C API boxes them in cells, which are tracked.
func (c *Context) Number(f float64) Value {
	if unsafe.Sizeof(uintptr(0)) == 8 {
		return Value{c, C.JSValueMakeNumber(c.ref, C.double(f))}
	}
	return c.wrap(C.JSValueMakeNumber(c.ref, C.double(f)))
}

// String returns a JavaScript string with the contents of s (UTF-8;
// invalid bytes become U+FFFD).
func (c *Context) String(s string) Value {
	if s != "" && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		ref := C.outpost_utf8_value(c.ref, (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)))
		c.vm.scope = append(c.vm.scope, ref) // protected by outpost_utf8_value
		return Value{c, ref}
	}
	js := newJSString(s)
	defer C.JSStringRelease(js)
	return c.wrap(C.JSValueMakeString(c.ref, js))
}

// Object returns a new empty object.
func (c *Context) Object() Value {
	return c.wrap(C.JSValueRef(C.JSObjectMake(c.ref, nil, nil)))
}

// Array returns a new array holding vals.
func (c *Context) Array(vals ...Value) (Value, error) {
	var exc C.JSValueRef
	var argv *C.JSValueRef
	refs := make([]C.JSValueRef, len(vals))
	for i, v := range vals {
		refs[i] = v.ref
	}
	if len(refs) > 0 {
		argv = &refs[0]
	}
	obj := C.JSObjectMakeArray(c.ref, C.size_t(len(refs)), argv, &exc)
	if exc != nil {
		return c.Undefined(), c.exception(exc)
	}
	return c.wrap(C.JSValueRef(obj)), nil
}

// ParseJSON parses JSON text into a value.
func (c *Context) ParseJSON(text string) (Value, error) {
	js := newJSString(text)
	defer C.JSStringRelease(js)
	ref := C.JSValueMakeFromJSONString(c.ref, js)
	if ref == nil {
		return c.Undefined(), &Error{Name: "SyntaxError", Message: "invalid JSON"}
	}
	return c.wrap(ref), nil
}

// Eval evaluates a classic script. sourceURL names it in stack traces.
func (c *Context) Eval(source, sourceURL string) (Value, error) {
	src := newJSString(source)
	defer C.JSStringRelease(src)
	var url C.JSStringRef
	if sourceURL != "" {
		url = newJSString(sourceURL)
		defer C.JSStringRelease(url)
	}
	var exc C.JSValueRef
	ref := C.JSEvaluateScript(c.ref, src, nil, url, 1, &exc)
	if exc != nil {
		return c.Undefined(), c.exception(exc)
	}
	if err := c.terminatedErr(); err != nil {
		return c.Undefined(), err
	}
	return c.wrap(ref), nil
}

// CheckSyntax reports a syntax error in source without running it.
func (c *Context) CheckSyntax(source, sourceURL string) error {
	src := newJSString(source)
	defer C.JSStringRelease(src)
	url := newJSString(sourceURL)
	defer C.JSStringRelease(url)
	var exc C.JSValueRef
	if !C.JSCheckScriptSyntax(c.ref, src, url, 1, &exc) {
		return c.exception(exc)
	}
	return nil
}

// Keep protects v beyond the current task: the Handle keeps it alive until
// Release is called (on the VM's thread).
func (v Value) Keep() *Handle {
	C.JSValueProtect(v.c.ref, v.ref)
	return &Handle{c: v.c, ref: v.ref}
}

// Handle is a value kept alive across tasks.
type Handle struct {
	c   *Context
	ref C.JSValueRef
}

// Value returns the kept value; valid on the VM's thread.
func (h *Handle) Value() Value { return Value{h.c, h.ref} }

// Release lets the value be collected. Call on the VM's thread, once.
func (h *Handle) Release() {
	if h.ref != nil {
		C.JSValueUnprotect(h.c.ref, h.ref)
		h.ref = nil
	}
}

// Context returns the context of the value.
func (v Value) Context() *Context { return v.c }

// IsUndefined and friends report the value's type.
func (v Value) IsUndefined() bool { return bool(C.JSValueIsUndefined(v.c.ref, v.ref)) }
func (v Value) IsNull() bool      { return bool(C.JSValueIsNull(v.c.ref, v.ref)) }
func (v Value) IsNullish() bool   { return v.IsUndefined() || v.IsNull() }
func (v Value) IsBool() bool      { return bool(C.JSValueIsBoolean(v.c.ref, v.ref)) }
func (v Value) IsNumber() bool    { return bool(C.JSValueIsNumber(v.c.ref, v.ref)) }
func (v Value) IsString() bool    { return bool(C.JSValueIsString(v.c.ref, v.ref)) }
func (v Value) IsObject() bool    { return bool(C.JSValueIsObject(v.c.ref, v.ref)) }
func (v Value) IsArray() bool     { return bool(C.JSValueIsArray(v.c.ref, v.ref)) }
func (v Value) IsFunction() bool {
	return v.IsObject() && bool(C.JSObjectIsFunction(v.c.ref, C.JSObjectRef(v.ref)))
}

// Bool converts the value with JavaScript's ToBoolean.
func (v Value) Bool() bool { return bool(C.JSValueToBoolean(v.c.ref, v.ref)) }

// Float converts the value with ToNumber (NaN when that throws).
func (v Value) Float() float64 {
	var exc C.JSValueRef
	f := float64(C.JSValueToNumber(v.c.ref, v.ref, &exc))
	if exc != nil {
		return math.NaN()
	}
	return f
}

// Int converts the value with ToNumber and truncates it (0 for NaN).
func (v Value) Int() int64 {
	f := v.Float()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int64(f)
}

// String converts the value with ToString; a conversion that throws gives "".
func (v Value) String() string {
	s, _ := v.ToString()
	return s
}

// ToString converts the value with ToString and reports a throw.
func (v Value) ToString() (string, error) {
	var exc C.JSValueRef
	js := C.JSValueToStringCopy(v.c.ref, v.ref, &exc)
	if exc != nil {
		return "", v.c.exception(exc)
	}
	defer C.JSStringRelease(js)
	return goString(js), nil
}

// JSON serialises the value (indent 0 = compact). undefined gives "".
func (v Value) JSON(indent int) (string, error) {
	var exc C.JSValueRef
	js := C.JSValueCreateJSONString(v.c.ref, v.ref, C.unsigned(indent), &exc)
	if exc != nil {
		return "", v.c.exception(exc)
	}
	if js == nil {
		return "", nil
	}
	defer C.JSStringRelease(js)
	return goString(js), nil
}

// Get reads a property (undefined if v is not an object).
func (v Value) Get(name string) Value {
	val, _ := v.TryGet(name)
	return val
}

// TryGet reads a property and reports a getter that throws.
func (v Value) TryGet(name string) (Value, error) {
	c := v.c
	if !v.IsObject() {
		return c.Undefined(), nil
	}
	var exc C.JSValueRef
	ref := C.JSObjectGetProperty(c.ref, C.JSObjectRef(v.ref), propName(name), &exc)
	if exc != nil {
		return c.Undefined(), c.exception(exc)
	}
	return c.wrap(ref), nil
}

// Set writes a property.
func (v Value) Set(name string, val Value) error {
	c := v.c
	if !v.IsObject() {
		return &Error{Name: "TypeError", Message: "cannot set property " + name + " of a non-object"}
	}
	var exc C.JSValueRef
	C.JSObjectSetProperty(c.ref, C.JSObjectRef(v.ref), propName(name), val.ref, 0, &exc)
	if exc != nil {
		return c.exception(exc)
	}
	return nil
}

// DefineHidden writes a non-enumerable, read-only property.
func (v Value) DefineHidden(name string, val Value) error {
	c := v.c
	var exc C.JSValueRef
	C.JSObjectSetProperty(c.ref, C.JSObjectRef(v.ref), propName(name), val.ref,
		C.kJSPropertyAttributeDontEnum|C.kJSPropertyAttributeReadOnly, &exc)
	if exc != nil {
		return c.exception(exc)
	}
	return nil
}

// Delete removes a property.
func (v Value) Delete(name string) error {
	c := v.c
	var exc C.JSValueRef
	C.JSObjectDeleteProperty(c.ref, C.JSObjectRef(v.ref), propName(name), &exc)
	if exc != nil {
		return c.exception(exc)
	}
	return nil
}

// Index reads an element.
func (v Value) Index(i int) Value {
	c := v.c
	if !v.IsObject() {
		return c.Undefined()
	}
	var exc C.JSValueRef
	ref := C.JSObjectGetPropertyAtIndex(c.ref, C.JSObjectRef(v.ref), C.unsigned(i), &exc)
	if exc != nil {
		return c.Undefined()
	}
	return c.wrap(ref)
}

// SetIndex writes an element.
func (v Value) SetIndex(i int, val Value) error {
	c := v.c
	var exc C.JSValueRef
	C.JSObjectSetPropertyAtIndex(c.ref, C.JSObjectRef(v.ref), C.unsigned(i), val.ref, &exc)
	if exc != nil {
		return c.exception(exc)
	}
	return nil
}

// Len returns the value's "length" property as an int.
func (v Value) Len() int { return int(v.Get("length").Int()) }

// Keys lists the object's own enumerable string keys.
func (v Value) Keys() []string {
	if !v.IsObject() {
		return nil
	}
	names := C.JSObjectCopyPropertyNames(v.c.ref, C.JSObjectRef(v.ref))
	defer C.JSPropertyNameArrayRelease(names)
	n := int(C.JSPropertyNameArrayGetCount(names))
	out := make([]string, n)
	for i := 0; i < n; i++ {
		out[i] = goString(C.JSPropertyNameArrayGetNameAtIndex(names, C.size_t(i)))
	}
	return out
}

// Call calls v as a function with the given this and arguments.
func (v Value) Call(this Value, args ...Value) (Value, error) {
	c := v.c
	if !v.IsFunction() {
		return c.Undefined(), &Error{Name: "TypeError", Message: "value is not a function"}
	}
	var thisObj C.JSObjectRef
	if this.ref != nil && this.IsObject() {
		thisObj = C.JSObjectRef(this.ref)
	}
	var ref, exc C.JSValueRef
	if c.vm.topLevel() {
		ref = c.vm.enter(v.ref, thisObj, args, &exc)
	} else {
		argv, n := refsOf(args)
		ref = C.JSObjectCallAsFunction(c.ref, C.JSObjectRef(v.ref), thisObj, n, argv, &exc)
	}
	if exc != nil {
		return c.Undefined(), c.exception(exc)
	}
	if err := c.terminatedErr(); err != nil {
		return c.Undefined(), err
	}
	return c.wrap(ref), nil
}

// CallMethod calls v[name](args...).
func (v Value) CallMethod(name string, args ...Value) (Value, error) {
	fn, err := v.TryGet(name)
	if err != nil {
		return fn, err
	}
	if !fn.IsFunction() {
		return v.c.Undefined(), &Error{Name: "TypeError", Message: name + " is not a function"}
	}
	return fn.Call(v, args...)
}

// New calls v as a constructor.
func (v Value) New(args ...Value) (Value, error) {
	c := v.c
	if !v.IsObject() || !bool(C.JSObjectIsConstructor(c.ref, C.JSObjectRef(v.ref))) {
		return c.Undefined(), &Error{Name: "TypeError", Message: "value is not a constructor"}
	}
	argv, n := refsOf(args)
	var exc C.JSValueRef
	ref := C.JSObjectCallAsConstructor(c.ref, C.JSObjectRef(v.ref), n, argv, &exc)
	if exc != nil {
		return c.Undefined(), c.exception(exc)
	}
	return c.wrap(C.JSValueRef(ref)), nil
}

// StrictEquals compares with ===.
func (v Value) StrictEquals(o Value) bool { return bool(C.JSValueIsStrictEqual(v.c.ref, v.ref, o.ref)) }

// InstanceOf reports v instanceof ctor.
func (v Value) InstanceOf(ctor Value) bool {
	if !ctor.IsObject() {
		return false
	}
	var exc C.JSValueRef
	return bool(C.JSValueIsInstanceOfConstructor(v.c.ref, v.ref, C.JSObjectRef(ctor.ref), &exc))
}

func refsOf(args []Value) (*C.JSValueRef, C.size_t) {
	if len(args) == 0 {
		return nil, 0
	}
	refs := make([]C.JSValueRef, len(args))
	for i, a := range args {
		refs[i] = a.ref
	}
	return &refs[0], C.size_t(len(refs))
}

// Property names are interned: JSStringRefs are immutable and thread-safe,
// and workers use a small, fixed set of names on hot paths.
var (
	namesMu sync.RWMutex
	names   = map[string]C.JSStringRef{}
)

const maxInternedNames = 4096

func propName(name string) C.JSStringRef {
	namesMu.RLock()
	js, ok := names[name]
	namesMu.RUnlock()
	if ok {
		return js
	}
	js = newJSString(name)
	namesMu.Lock()
	if len(names) < maxInternedNames {
		if old, ok := names[name]; ok {
			C.JSStringRelease(js)
			js = old
		} else {
			names[name] = js
		}
	}
	// Past the cap the string leaks one small allocation per call site;
	// callers with dynamic keys use maps of values instead of names.
	namesMu.Unlock()
	return js
}

// newJSString converts Go UTF-8 to a JSStringRef the caller must release.
func newJSString(s string) C.JSStringRef {
	if len(s) == 0 {
		return C.JSStringCreateWithCharacters(nil, 0)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) < 0 {
		// JavaScriptCore keeps ASCII as an 8-bit string and converts the
		// rest itself.
		return C.outpost_utf8_string((*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)))
	}
	u := make([]uint16, 0, len(s))
	for _, r := range s {
		u = utf16.AppendRune(u, r)
	}
	return C.JSStringCreateWithCharacters((*C.JSChar)(unsafe.Pointer(&u[0])), C.size_t(len(u)))
}

// goString converts a JSStringRef to Go UTF-8; lone surrogates become U+FFFD.
func goString(js C.JSStringRef) string {
	b := goBytes(js)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// goBytes converts a JSStringRef to UTF-8 bytes in one pass.
func goBytes(js C.JSStringRef) []byte {
	n := int(C.JSStringGetLength(js))
	if n == 0 {
		return nil
	}
	chars := unsafe.Slice((*uint16)(unsafe.Pointer(C.JSStringGetCharactersPtr(js))), n)
	// ASCII, the common case, is one byte a unit: copied four units at a
	// time until four that are not all ASCII; the rest one by one.
	b := make([]byte, n)
	i := 0
	for ; i+4 <= n; i += 4 {
		c := chars[i : i+4 : i+4]
		if (c[0]|c[1]|c[2]|c[3])&^0x7f != 0 {
			break
		}
		d := b[i : i+4 : i+4]
		d[0], d[1], d[2], d[3] = byte(c[0]), byte(c[1]), byte(c[2]), byte(c[3])
	}
	b = b[:i]
	for ; i < n; i++ {
		ch := chars[i]
		switch {
		case ch < utf8.RuneSelf:
			b = append(b, byte(ch))
		case utf16.IsSurrogate(rune(ch)) && ch < 0xDC00 && i+1 < n && chars[i+1] >= 0xDC00 && chars[i+1] < 0xE000:
			b = utf8.AppendRune(b, utf16.DecodeRune(rune(ch), rune(chars[i+1])))
			i++
		case utf16.IsSurrogate(rune(ch)):
			b = utf8.AppendRune(b, utf8.RuneError)
		default:
			b = utf8.AppendRune(b, rune(ch))
		}
	}
	return b
}

// StringBytes converts the value with ToString and returns its UTF-8 bytes
// (a conversion that throws gives nil).
func (v Value) StringBytes() []byte {
	var exc C.JSValueRef
	js := C.JSValueToStringCopy(v.c.ref, v.ref, &exc)
	if exc != nil {
		return nil
	}
	defer C.JSStringRelease(js)
	return goBytes(js)
}

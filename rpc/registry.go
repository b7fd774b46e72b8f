package rpc

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HandlerFunc is a method that works on the raw params. params is the raw
// JSON of the params member (an array or object), or nil when the request
// had none; it stays valid until the response has been encoded (so it may
// be returned inside the result without copying) and must not be retained
// beyond that or modified. The result is
// encoded with jsoniter; a json.RawMessage / jsoniter.RawMessage result is
// written verbatim and must be valid JSON.
type HandlerFunc func(ctx context.Context, params []byte) (any, error)

// RegisterOption tunes how the methods of one registration are run.
type RegisterOption func(*regConfig)

type regConfig struct {
	inlineAll bool
	inline    map[string]bool
}

// Inline marks methods as non-blocking: they run on the goroutine that calls
// Dispatch (the event loop) instead of the worker pool. With no names every
// method of the registration is inline; otherwise only the listed method
// names (without the service prefix). Inline handlers must not block.
func Inline(methods ...string) RegisterOption {
	return func(c *regConfig) {
		if len(methods) == 0 {
			c.inlineAll = true
			return
		}
		if c.inline == nil {
			c.inline = make(map[string]bool)
		}
		for _, m := range methods {
			c.inline[m] = true
		}
	}
}

func (c *regConfig) isInline(name string) bool { return c.inlineAll || c.inline[name] }

// argument shape classes, computed once at registration.
type argClass uint8

const (
	argStruct argClass = iota
	argAny
	argList
	argMap
	argScalar
)

type method struct {
	name   string
	inline bool

	raw   HandlerFunc                                      // set for HandleRaw handlers
	typed func(ctx context.Context, args, reply any) error // set by Handle

	fn        reflect.Value // the func; for methods the unbound method, taking rcvr first
	rcvr      reflect.Value // the receiver of a method, invalid for plain funcs
	hasCtx    bool
	argType   reflect.Type // the args type with one pointer level removed
	argIsPtr  bool
	replyType reflect.Type // elem type of the reply pointer
	class     argClass
	fields    [][]int       // exported struct fields, declaration order (positional binding)
	required  []requirement // fields tagged rpc:"required" (at most 64)
	reqNames  []string      // their member names, for memberStates

	stats methodStats // calls and errors (stats.go)
}

var (
	typeOfError   = reflect.TypeFor[error]()
	typeOfContext = reflect.TypeFor[context.Context]()
)

// Register publishes the exported methods of rcvr that have the form
//
//	func (t *T) M(args A, reply *R) error
//	func (t *T) M(ctx context.Context, args A, reply *R) error
//
// as "name.M". A may be a pointer or a value type. Methods of other shapes
// are ignored; it is an error if none is suitable, if name is not a valid
// identifier, or if a method name is already taken. Params bind onto A as
// follows: an object binds by member name (json tags honoured); for a struct
// A a one-element array holding an object binds that object (JSON-RPC 1.0 /
// net/rpc style) and any other array binds positionally onto the exported
// fields in declaration order (too many elements is an error, missing ones
// stay zero); a struct field tagged `rpc:"required"` must be given, and not
// as null, by name or by position, or the call is refused with Invalid
// params (-32602) instead of running on a zero value; for a slice A the array binds onto the slice; for a scalar A a
// one-element array binds its element; an interface{} A receives the params
// value (numbers as json.Number). Absent params leave A zero.
//
// The service name is explicit (net/rpc's RegisterName; there is no form
// that takes it from the Go type's name) so that renaming a Go type can
// not change the methods clients call. For single functions use [Handle]
// (typed params) or [HandleRaw] (raw JSON params).
//
// Register, Handle, HandleRaw and RegisterSubscription must be called
// before the Server is used for Dispatch; they are not safe to call
// concurrently with Dispatch.
func (s *Server) Register(name string, rcvr any, opts ...RegisterOption) error {
	if !isIdent(name) {
		return fmt.Errorf("rpc: invalid service name %q", name)
	}
	if rcvr == nil {
		return fmt.Errorf("rpc: Register of service %s with a nil receiver", name)
	}
	var cfg regConfig
	for _, o := range opts {
		o(&cfg)
	}
	v := reflect.ValueOf(rcvr)
	t := v.Type()
	var found []*method
	for i := 0; i < t.NumMethod(); i++ {
		mt := t.Method(i)
		if !mt.IsExported() {
			continue
		}
		m, ok := newMethod(mt.Func, v)
		if !ok {
			continue
		}
		m.name = name + "." + mt.Name
		m.inline = cfg.isInline(mt.Name)
		found = append(found, m)
	}
	if len(found) == 0 {
		return fmt.Errorf("rpc: type %s has no suitable methods", t)
	}
	for _, m := range found {
		if _, dup := s.methods[m.name]; dup {
			return fmt.Errorf("rpc: method %s already registered", m.name)
		}
	}
	for _, m := range found {
		s.methods[m.name] = m
	}
	return nil
}

// HandleRaw publishes fn under the full method name (e.g. "Echo.Echo");
// fn receives the params as raw JSON and decodes them itself. It is the
// secondary form of [Handle], for methods that pass params through or
// decode them lazily. Only Inline() (no names) is meaningful among opts.
// Same goroutine rules as [Server.Register].
func HandleRaw(s *Server, name string, fn HandlerFunc, opts ...RegisterOption) error {
	if name == "" || fn == nil {
		return fmt.Errorf("rpc: HandleRaw needs a name and a function")
	}
	if _, dup := s.methods[name]; dup {
		return fmt.Errorf("rpc: method %s already registered", name)
	}
	var cfg regConfig
	for _, o := range opts {
		o(&cfg)
	}
	s.methods[name] = &method{name: name, raw: fn, inline: cfg.inlineAll}
	return nil
}

// newMethod inspects a function: an unbound method (fn's first parameter
// is the receiver rcvr) or, when rcvr is invalid, a plain func. Calling the
// unbound method with the receiver as an argument avoids the allocation a
// bound method value costs on every reflect call.
func newMethod(fn, rcvr reflect.Value) (*method, bool) {
	ft := fn.Type()
	if ft.NumOut() != 1 || ft.Out(0) != typeOfError {
		return nil, false
	}
	m := &method{fn: fn, rcvr: rcvr}
	off := 0
	if rcvr.IsValid() {
		off = 1
	}
	switch {
	case ft.NumIn() == off+3 && ft.In(off) == typeOfContext:
		m.hasCtx = true
		off++
	case ft.NumIn() != off+2:
		return nil, false
	}
	at, rt := ft.In(off), ft.In(off+1)
	if rt.Kind() != reflect.Pointer {
		return nil, false
	}
	m.replyType = rt.Elem()
	m.argType = at
	if at.Kind() == reflect.Pointer {
		m.argIsPtr = true
		m.argType = at.Elem()
	}
	m.setArgs()
	return m, true
}

// setArgs classifies the args type and notes its required fields.
func (m *method) setArgs() {
	m.class, m.fields, m.required = classify(m.argType)
	if len(m.required) > 64 {
		m.required = m.required[:64] // memberStates tracks 64; nobody needs more
	}
	for _, r := range m.required {
		m.reqNames = append(m.reqNames, r.name)
	}
}

func classify(t reflect.Type) (argClass, [][]int, []requirement) {
	switch t.Kind() {
	case reflect.Struct:
		var fields [][]int
		var required []requirement
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			if f.Tag.Get("rpc") == "required" {
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "" {
					name = f.Name
				}
				required = append(required, requirement{name: name, pos: len(fields)})
			}
			fields = append(fields, f.Index)
		}
		return argStruct, fields, required
	case reflect.Interface:
		return argAny, nil, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return argScalar, nil, nil // []byte is a base64 string in JSON
		}
		return argList, nil, nil
	case reflect.Array:
		return argList, nil, nil
	case reflect.Map:
		return argMap, nil, nil
	}
	return argScalar, nil, nil
}

func isIdent(s string) bool {
	if s == "" || strings.Contains(s, ".") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || r == '_'
}

package rpc

import (
	"fmt"
	"reflect"
	"strings"

	jsoniter "github.com/json-iterator/go"
)

// bind decodes params (the raw params member, nil when absent) into a new
// args value for m. It returns the value to pass to the method (a pointer
// when the method takes one) or an Invalid params error.
func (s *Server) bind(m *method, params []byte) (reflect.Value, *Error) {
	argp := reflect.New(m.argType)
	if err := s.bindInto(m, argp, params); err != nil {
		return reflect.Value{}, err
	}
	if m.argIsPtr {
		return argp, nil
	}
	return argp.Elem(), nil
}

func (s *Server) bindInto(m *method, argp reflect.Value, params []byte) *Error {
	if params == nil {
		if len(m.required) > 0 {
			return invalidParams("missing params: %q is required", m.required[0].name)
		}
		return nil
	}
	isArray := params[0] == '['
	switch m.class {
	case argAny, argMap:
		if isArray && m.class == argMap {
			return s.bindSingle(argp, params, "map")
		}
		return s.decode(argp, params)
	case argList:
		if !isArray {
			return invalidParams("object params cannot bind to %s", m.argType)
		}
		err := s.decode(argp, params)
		if err != nil {
			// net/rpc style: the list itself wrapped in a one-element array.
			if inner, ok := single(params); ok && inner[0] == '[' {
				argp.Elem().SetZero()
				return s.decode(argp, inner)
			}
		}
		return err
	case argStruct:
		if !isArray {
			return s.decodeStruct(m, argp, params)
		}
		if inner, ok := single(params); ok && inner[0] == '{' {
			return s.decodeStruct(m, argp, inner)
		}
		if err := s.bindPositional(m, argp, params); err != nil {
			return err
		}
		return checkPositional(m, params)
	default:
		if !isArray {
			return invalidParams("object params cannot bind to %s", m.argType)
		}
		return s.bindSingle(argp, params, m.argType.String())
	}
}

// bindSingle binds a one-element array onto a non-struct argument; an empty
// array leaves it zero.
func (s *Server) bindSingle(argp reflect.Value, params []byte, what string) *Error {
	n := countElements(params, 0)
	if n == 0 {
		return nil
	}
	inner, ok := single(params)
	if !ok {
		return invalidParams("too many params: got %d, want at most 1 for %s", n, what)
	}
	return s.decode(argp, inner)
}

func (s *Server) bindPositional(m *method, argp reflect.Value, params []byte) *Error {
	n := countElements(params, 0)
	if n > len(m.fields) {
		return invalidParams("too many params: got %d, want at most %d", n, len(m.fields))
	}
	v := argp.Elem()
	var err *Error
	i := 0
	elements(params, 0, func(start, end int) bool {
		err = s.decode(v.FieldByIndex(m.fields[i]).Addr(), params[start:end])
		i++
		return err == nil
	})
	return err
}

// requirement is a struct field that params must give (rpc:"required").
type requirement struct {
	name string // its JSON member name
	pos  int    // its position for positional params
}

// decodeStruct binds an object onto a struct and checks its required
// members.
func (s *Server) decodeStruct(m *method, argp reflect.Value, obj []byte) *Error {
	if obj[0] != '{' {
		return s.decode(argp, obj) // not an object: the decoder says why
	}
	if err := s.decode(argp, obj); err != nil {
		return err
	}
	if len(m.required) == 0 {
		return nil
	}
	given, null := memberStates(obj, m.reqNames)
	for i, r := range m.required {
		switch bit := uint64(1) << i; {
		case given&bit == 0:
			return invalidParams("missing member %q", r.name)
		case null&bit != 0:
			return invalidParams("member %q is null", r.name)
		}
	}
	return nil
}

// checkPositional checks that positional params give every required field.
func checkPositional(m *method, params []byte) *Error {
	if len(m.required) == 0 {
		return nil
	}
	var null [8]bool // enough for the usual few fields; more are checked below
	nulls := null[:0]
	elements(params, 0, func(start, _ int) bool {
		nulls = append(nulls, params[start] == 'n')
		return true
	})
	for _, r := range m.required {
		if r.pos >= len(nulls) {
			return invalidParams("missing param %d (%q)", r.pos, r.name)
		}
		if nulls[r.pos] {
			return invalidParams("param %d (%q) is null", r.pos, r.name)
		}
	}
	return nil
}

// single returns the only element of a one-element array.
func single(params []byte) ([]byte, bool) {
	var out []byte
	n := 0
	elements(params, 0, func(start, end int) bool {
		n++
		out = params[start:end]
		return n < 2
	})
	return out, n == 1
}

func (s *Server) decode(ptr reflect.Value, data []byte) *Error {
	if err := s.json.Unmarshal(data, ptr.Interface()); err != nil {
		return invalidParams("%s", trimIterError(err.Error()))
	}
	return nil
}

// trimIterError drops jsoniter's input excerpt, which would echo (possibly
// large) request bytes back to the peer.
func trimIterError(msg string) string {
	if i := strings.Index(msg, ", error found in #"); i >= 0 {
		msg = msg[:i]
	}
	return strings.ToValidUTF8(msg, "\uFFFD")
}

func invalidParams(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidParams, Message: "Invalid params", Data: fmt.Sprintf(format, args...)}
}

func newJSONConfig(allowUnknown bool) jsoniter.API {
	return jsoniter.Config{
		EscapeHTML:             false,
		UseNumber:              true,
		DisallowUnknownFields:  !allowUnknown,
		ValidateJsonRawMessage: true,
	}.Froze()
}

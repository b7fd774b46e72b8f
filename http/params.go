package http

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Params is a read-only view of application/x-www-form-urlencoded data: a
// request's query (Request.QueryParams) or a urlencoded body
// (Request.Form). It keeps only the raw bytes and decodes on demand, by
// url.ParseQuery's rules, so that Map gives what url.ParseQuery gives:
// pairs are separated by '&'; a pair holding a ';', or whose name or value
// has a '%' not followed by two hex digits, is skipped; '+' is a space;
// a pair without '=' has the empty value.
//
// Lifetime of views: a name or value that needs no decoding (no '%' and no
// '+') is returned as a string that aliases the raw bytes: no allocation,
// but valid only as long as those bytes are - for a request's query or
// body, until the handler returns (a detached handler must copy what it
// needs before it returns, like every view of the Request). Copy a value to
// keep it (strings.Clone). Values that had to be decoded are new strings.
//
// The zero Params is empty. A Params is a value: safe to copy, and to read
// from any goroutine while its bytes are valid.
type Params struct {
	raw   []byte
	kind  string     // "query parameter", "form field": names the source in errors
	pairs []formPair // decoded pairs instead of raw (a multipart form's fields), when not nil
}

// formPair is one decoded field.
type formPair struct{ name, value string }

// NewParams returns a Params over raw, urlencoded bytes (they are not
// copied); kind names the source in error reasons ("query parameter").
func NewParams(raw []byte, kind string) Params { return Params{raw: raw, kind: kind} }

// Raw returns the urlencoded bytes the Params decodes (nil for the fields
// of a multipart form, which are decoded as they are read).
func (p Params) Raw() []byte { return p.raw }

// nextPair returns the pair of raw that starts at i, and where the next
// one starts; ok is false for a pair url.ParseQuery skips.
func nextPair(raw []byte, i int) (name, value []byte, next int, ok bool) {
	end := i
	semicolon := false
	eq := -1
	for end < len(raw) && raw[end] != '&' {
		switch raw[end] {
		case ';':
			semicolon = true
		case '=':
			if eq < 0 {
				eq = end
			}
		}
		end++
	}
	next = end + 1
	if semicolon || end == i {
		return nil, nil, next, false
	}
	if eq < 0 {
		name, value = raw[i:end], raw[end:end]
	} else {
		name, value = raw[i:eq], raw[eq+1:end]
	}
	return name, value, next, validEscapes(name) && validEscapes(value)
}

// validEscapes reports that every '%' in b starts a %XX escape (RFC 3986
// 2.1). It runs on every request's path (parseTarget: net/http refuses a
// path with a bad escape, and a router that decodes the path must not
// guess), so it jumps from '%' to '%' with IndexByte instead of looking at
// every byte.
func validEscapes(b []byte) bool {
	for i := bytes.IndexByte(b, '%'); i >= 0; {
		if i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
			return false
		}
		j := bytes.IndexByte(b[i+3:], '%')
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return true
}

func isHex(c byte) bool { return unhex(c) >= 0 }

// hexByte decodes the two hex digits of a %XX escape (already validated).
func hexByte(hi, lo byte) byte { return byte(unhex(hi)<<4 | unhex(lo)) }

// decodedEquals compares the decoded form of raw (valid escapes) with s,
// without decoding into memory.
func decodedEquals(raw []byte, s string) bool {
	j := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			c = hexByte(raw[i+1], raw[i+2])
			i += 2
		}
		if j == len(s) || s[j] != c {
			return false
		}
		j++
	}
	return j == len(s)
}

// decode returns raw (valid escapes) decoded: a view when there is nothing
// to decode, a new string otherwise.
func decode(raw []byte) string {
	n := 0
	for _, c := range raw {
		if c == '%' || c == '+' {
			n++
		}
	}
	if n == 0 {
		return unsafeString(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			c = hexByte(raw[i+1], raw[i+2])
			i += 2
		}
		out = append(out, c)
	}
	return string(out)
}

// Lookup returns the first value of name and whether name is present. It
// does not allocate unless the value has to be decoded.
func (p Params) Lookup(name string) (string, bool) {
	for _, f := range p.pairs {
		if f.name == name {
			return f.value, true
		}
	}
	for i := 0; i < len(p.raw); {
		k, v, next, ok := nextPair(p.raw, i)
		i = next
		if ok && decodedEquals(k, name) {
			return decode(v), true
		}
	}
	return "", false
}

// Get returns the first value of name, or "" if it is absent.
func (p Params) Get(name string) string {
	v, _ := p.Lookup(name)
	return v
}

// Has reports whether name is present (with any value, even empty).
func (p Params) Has(name string) bool {
	_, ok := p.Lookup(name)
	return ok
}

// Values returns every value of name in order, or nil if it is absent.
// The slice is new; the strings follow the rules of views above.
func (p Params) Values(name string) []string {
	var vs []string
	for _, f := range p.pairs {
		if f.name == name {
			vs = append(vs, f.value)
		}
	}
	for i := 0; i < len(p.raw); {
		k, v, next, ok := nextPair(p.raw, i)
		i = next
		if ok && decodedEquals(k, name) {
			vs = append(vs, decode(v))
		}
	}
	return vs
}

// Each calls f with every pair in order (skipping those url.ParseQuery
// skips) until f returns false. The strings follow the rules of views
// above: no allocation for pairs that need no decoding.
func (p Params) Each(f func(name, value string) bool) {
	for _, pair := range p.pairs {
		if !f(pair.name, pair.value) {
			return
		}
	}
	for i := 0; i < len(p.raw); {
		k, v, next, ok := nextPair(p.raw, i)
		i = next
		if ok && !f(decode(k), decode(v)) {
			return
		}
	}
}

// Len returns the number of pairs (those url.ParseQuery keeps).
func (p Params) Len() int {
	n := 0
	p.Each(func(string, string) bool { n++; return true })
	return n
}

// Map returns every pair as url.Values, with copies of the strings (they
// stay valid after the bytes go): what url.ParseQuery returns.
func (p Params) Map() url.Values {
	m := make(url.Values)
	p.Each(func(k, v string) bool {
		if vs, ok := m[k]; ok {
			m[k] = append(vs, strings.Clone(v))
		} else {
			m[strings.Clone(k)] = []string{strings.Clone(v)}
		}
		return true
	})
	return m
}

// Int returns name's value as a decimal int, or def when name is absent
// or empty. A value that is not an int is a *RequestError (400) naming
// the parameter and the value, e.g. `query parameter "page": invalid
// integer "x"`, and def is returned with it.
func (p Params) Int(name string, def int) (int, error) {
	n, err := p.Int64(name, int64(def))
	if err == nil && int64(int(n)) != n {
		return def, p.badValue(name, "integer", strconv.FormatInt(n, 10), strconv.ErrRange)
	}
	if err != nil {
		return def, err
	}
	return int(n), nil
}

// Int64 is Int for int64 values.
func (p Params) Int64(name string, def int64) (int64, error) {
	return parseParam(p, name, def, "integer", func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// Uint64 is Int for unsigned values (no sign allowed).
func (p Params) Uint64(name string, def uint64) (uint64, error) {
	return parseParam(p, name, def, "unsigned integer", func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
}

// Float64 is Int for float64 values (strconv.ParseFloat's syntax).
func (p Params) Float64(name string, def float64) (float64, error) {
	return parseParam(p, name, def, "number", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
}

// Bool is Int for booleans: strconv.ParseBool's spellings (1, t, true,
// 0, f, false in their cases) plus "on" and "off", which HTML check boxes
// send.
func (p Params) Bool(name string, def bool) (bool, error) {
	return parseParam(p, name, def, "boolean", func(s string) (bool, error) {
		switch s {
		case "on":
			return true, nil
		case "off":
			return false, nil
		}
		return strconv.ParseBool(s)
	})
}

// Duration is Int for durations (time.ParseDuration's syntax: "1.5s").
func (p Params) Duration(name string, def time.Duration) (time.Duration, error) {
	return parseParam(p, name, def, "duration", time.ParseDuration)
}

// parseParam is every typed getter: def when name is absent or empty,
// else parse's value, or def and a 400 naming the parameter, what was
// wanted and the value.
func parseParam[T any](p Params, name string, def T, what string, parse func(string) (T, error)) (T, error) {
	s, ok := p.Lookup(name)
	if !ok || s == "" {
		return def, nil
	}
	v, err := parse(s)
	if err != nil {
		return def, p.badValue(name, what, s, err)
	}
	return v, nil
}

func (p Params) badValue(name, what, value string, err error) *RequestError {
	kind := p.kind
	if kind == "" {
		kind = "parameter"
	}
	problem := "invalid " + what
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange || err == strconv.ErrRange {
		problem = what + " out of range:"
	}
	return newRequestError(StatusBadRequest, kind+" "+quoteInput(name)+": "+problem+" "+quoteInput(value), err)
}

// QueryParams returns the request's query as Params (a view of the raw
// query, see Params for the lifetime of the strings it returns). Valid
// until the handler returns.
func (r *Request) QueryParams() Params {
	return Params{raw: r.RawQuery(), kind: "query parameter"}
}

// Query returns the first value of the query parameter name, decoded, or
// "" if it is absent: r.QueryParams().Get(name). It does not allocate when
// the value needs no decoding; the string is then a view valid until the
// handler returns (see Params).
func (r *Request) Query(name string) string { return r.QueryParams().Get(name) }

package http

import (
	"fmt"
	stdhttp "net/http"
	"strings"
)

// maxCookies is net/http's bound on the cookies of a request (its
// httpcookiemaxnum default): a request with more has none, as there.
const maxCookies = 3000

// Cookie returns the value of the first cookie called name in the
// request's Cookie fields, by the rules of net/http's Request.Cookie
// (RFC 6265 section 5.4 as net/http applies it): pairs separated by ';',
// surrounding spaces trimmed, a name that is not a token or a value with a
// byte outside RFC 6265's cookie-octet (space and comma admitted, as
// net/http does) skips the pair, one pair of surrounding double quotes is
// removed. A request with more than 3000 cookies has none.
//
// It does not allocate: the value is a view of the request's bytes, valid
// until the handler returns (copy it with strings.Clone to keep it).
func (r *Request) Cookie(name string) (value string, ok bool) {
	if !r.cookiesWithinMax() {
		return "", false
	}
	r.eachCookie(func(n, v string) bool {
		if n == name {
			value, ok = v, true
			return false
		}
		return true
	})
	return value, ok
}

// EachCookie calls f with the name and value of every cookie of the
// request, in order, until f returns false: what net/http's
// Request.Cookies returns, as views valid until the handler returns. It
// does not allocate.
func (r *Request) EachCookie(f func(name, value string) bool) {
	if r.cookiesWithinMax() {
		r.eachCookie(f)
	}
}

// Cookies returns the request's cookies as net/http's Request.Cookies
// does: new *http.Cookie values with Name, Value and Quoted set, copied,
// so they stay valid after the handler returns.
func (r *Request) Cookies() []*stdhttp.Cookie {
	cs := []*stdhttp.Cookie{}
	if !r.cookiesWithinMax() {
		return cs
	}
	r.eachCookieRaw(func(n, raw string) bool {
		v, quoted := unquoteCookie(raw)
		cs = append(cs, &stdhttp.Cookie{Name: strings.Clone(n), Value: strings.Clone(v), Quoted: quoted})
		return true
	})
	return cs
}

// unquoteCookie removes one pair of surrounding double quotes.
func unquoteCookie(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		return raw[1 : len(raw)-1], true
	}
	return raw, false
}

func (r *Request) cookiesWithinMax() bool {
	n := 0
	for i := r.HeaderIndex("Cookie", 0); i >= 0; i = r.HeaderIndex("Cookie", i+1) {
		_, v := r.HeaderAt(i)
		n += strings.Count(unsafeString(v), ";") + 1
	}
	return n <= maxCookies
}

// eachCookie is EachCookie without the count bound.
func (r *Request) eachCookie(f func(name, value string) bool) {
	r.eachCookieRaw(func(name, raw string) bool {
		v, _ := unquoteCookie(raw)
		return f(name, v)
	})
}

// eachCookieRaw calls f with every valid pair, the value still quoted.
func (r *Request) eachCookieRaw(f func(name, raw string) bool) {
	for i := r.HeaderIndex("Cookie", 0); i >= 0; i = r.HeaderIndex("Cookie", i+1) {
		_, v := r.HeaderAt(i)
		line := trimCookieSpace(unsafeString(v))
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = trimCookieSpace(part)
			if part == "" {
				continue
			}
			name, val, _ := strings.Cut(part, "=")
			name = trimCookieSpace(name)
			if !validFieldName(name) || !validCookieValue(val) {
				continue
			}
			if !f(name, val) {
				return
			}
		}
	}
}

// trimCookieSpace is textproto.TrimString: ASCII space, tab, CR, LF.
func trimCookieSpace(s string) string {
	for len(s) > 0 && isCookieSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isCookieSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isCookieSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// validCookieValue is net/http's parseCookieValue check: optional double
// quotes around cookie-octets (space and comma admitted).
func validCookieValue(raw string) bool {
	raw, _ = unquoteCookie(raw)
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// SetCookie adds a Set-Cookie field for c to the response. It uses
// net/http's Cookie type, and its rules: c must pass Cookie.Valid (a token
// name, cookie-octet value, valid Path and Domain, an Expires year of 1601
// or later, Partitioned only with Secure), or SetCookie returns Valid's
// error and adds nothing, where net/http's SetCookie would silently drop
// or sanitize it; the field is what Cookie.String makes. Call it before
// the response's head is sent, from the goroutine that owns w.
func (w *ResponseWriter) SetCookie(c *stdhttp.Cookie) error {
	if c == nil {
		return fmt.Errorf("http: SetCookie: nil cookie")
	}
	if err := c.Valid(); err != nil {
		return fmt.Errorf("http: SetCookie %q: %w", c.Name, err)
	}
	s := c.String()
	if s == "" {
		return fmt.Errorf("http: SetCookie %q: net/http makes no Set-Cookie of it", c.Name)
	}
	w.Header().Add("Set-Cookie", s)
	return nil
}

package middleware

import (
	"strconv"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// CORSOptions configures CORS. The zero value allows nothing cross-origin.
type CORSOptions struct {
	// AllowedOrigins lists the origins allowed to read responses, as
	// serialized by browsers ("https://app.example.com", compared
	// case-insensitively). "*" allows every origin; an entry with one "*"
	// matches origins with anything in its place
	// ("https://*.example.com").
	AllowedOrigins []string
	// AllowOriginFunc, when set, is asked about origins AllowedOrigins
	// does not allow. It runs on the event loop: it must be quick.
	AllowOriginFunc func(origin string) bool
	// AllowedMethods are the methods a preflight may ask for (default
	// GET, HEAD, POST; compared exactly, as the Fetch standard does for
	// methods other than the safelisted ones).
	AllowedMethods []string
	// AllowedHeaders are the request fields a preflight may ask for
	// (compared case-insensitively). "*" allows any. CORS-safelisted
	// fields need no listing.
	AllowedHeaders []string
	// ExposedHeaders are the response fields scripts may read beyond the
	// safelisted ones (Access-Control-Expose-Headers).
	ExposedHeaders []string
	// AllowCredentials lets requests with credentials (cookies, HTTP
	// authentication) read responses. The Fetch standard forbids the
	// wildcard then: the origin is echoed instead of "*", and the
	// requested method and headers instead of a "*" list.
	AllowCredentials bool
	// MaxAge is how long a preflight's answer may be cached, in seconds
	// (Access-Control-Max-Age): 0 sends nothing (browsers then use 5 s),
	// a negative value sends 0 (no caching).
	MaxAge int
	// OptionsPassthrough passes preflight requests on to the next handler
	// after setting the CORS fields, instead of answering 204 itself.
	OptionsPassthrough bool
}

type cors struct {
	opts           CORSOptions
	anyOrigin      bool
	exact          []string
	wild           [][2]string // prefix, suffix
	methods        []string
	anyHeader      bool
	headers        []string // lower case
	expose         string
	maxAge         string
	varyOriginOnly bool // every origin gets the same answer: no Vary needed on actual requests
}

// CORS answers cross-origin requests as the Fetch standard's CORS protocol
// expects (https://fetch.spec.whatwg.org/#http-cors-protocol), with the
// behaviour of rs/cors and chi's cors:
//
//   - A preflight (OPTIONS with Origin and Access-Control-Request-Method)
//     is answered 204 without calling the next handler: with
//     Access-Control-Allow-Origin, -Methods, -Headers, -Credentials and
//     -Max-Age when the origin, the method and every requested header are
//     allowed, with none of them otherwise (the browser then fails the
//     request). It always carries Vary: Origin,
//     Access-Control-Request-Method, Access-Control-Request-Headers.
//   - Any other request with an allowed Origin gets
//     Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) and
//     goes on to the next handler; responses carry Vary: Origin unless
//     every origin gets the same answer ("*" without credentials).
//
// Requests without an Origin field pass through untouched, at the cost of
// one header lookup.
func CORS(opts CORSOptions) func(http.Handler) http.Handler {
	c := &cors{opts: opts}
	for _, o := range opts.AllowedOrigins {
		o = strings.ToLower(o)
		switch i := strings.IndexByte(o, '*'); {
		case o == "*":
			c.anyOrigin = true
		case i >= 0:
			c.wild = append(c.wild, [2]string{o[:i], o[i+1:]})
		default:
			c.exact = append(c.exact, o)
		}
	}
	c.methods = opts.AllowedMethods
	if len(c.methods) == 0 {
		c.methods = []string{"GET", "HEAD", "POST"}
	}
	for _, h := range opts.AllowedHeaders {
		if h == "*" {
			c.anyHeader = true
			continue
		}
		c.headers = append(c.headers, strings.ToLower(h))
	}
	c.expose = strings.Join(opts.ExposedHeaders, ", ")
	switch {
	case opts.MaxAge > 0:
		c.maxAge = strconv.Itoa(opts.MaxAge)
	case opts.MaxAge < 0:
		c.maxAge = "0"
	}
	c.varyOriginOnly = c.anyOrigin && !opts.AllowCredentials && opts.AllowOriginFunc == nil
	return c.wrap
}

func (c *cors) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		origin := r.Header("Origin")
		if origin == nil {
			if !c.varyOriginOnly {
				w.Header().Add("Vary", "Origin") // the answer depends on it
			}
			next.ServeHTTP(w, r)
			return
		}
		if r.Method() == "OPTIONS" && r.Header("Access-Control-Request-Method") != nil {
			c.preflight(w, r, string(origin))
			if c.opts.OptionsPassthrough {
				next.ServeHTTP(w, r)
			} else {
				w.WriteHeader(http.StatusNoContent)
			}
			return
		}
		h := w.Header()
		if !c.varyOriginOnly {
			h.Add("Vary", "Origin")
		}
		if o := string(origin); c.originAllowed(o) {
			c.allowOrigin(h, o)
			if c.expose != "" {
				h.Set("Access-Control-Expose-Headers", c.expose)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (c *cors) allowOrigin(h *http.Header, origin string) {
	if c.anyOrigin && !c.opts.AllowCredentials {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if c.opts.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

func (c *cors) preflight(w *http.ResponseWriter, r *http.Request, origin string) {
	h := w.Header()
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	if !c.originAllowed(origin) {
		return
	}
	method := string(r.Header("Access-Control-Request-Method"))
	if !c.methodAllowed(method) {
		return
	}
	// Access-Control-Request-Headers may come in several fields.
	var requested []string
	for i := r.HeaderIndex("Access-Control-Request-Headers", 0); i >= 0; i = r.HeaderIndex("Access-Control-Request-Headers", i+1) {
		_, v := r.HeaderAt(i)
		for _, f := range strings.Split(string(v), ",") {
			if f = strings.TrimSpace(f); f != "" {
				requested = append(requested, strings.ToLower(f))
			}
		}
	}
	for _, f := range requested {
		if !c.headerAllowed(f) {
			return
		}
	}
	c.allowOrigin(h, origin)
	h.Set("Access-Control-Allow-Methods", method)
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	if c.maxAge != "" {
		h.Set("Access-Control-Max-Age", c.maxAge)
	}
}

func (c *cors) originAllowed(origin string) bool {
	if c.anyOrigin {
		return true
	}
	o := strings.ToLower(origin)
	for _, e := range c.exact {
		if o == e {
			return true
		}
	}
	for _, w := range c.wild {
		if len(o) > len(w[0])+len(w[1]) && strings.HasPrefix(o, w[0]) && strings.HasSuffix(o, w[1]) {
			return true
		}
	}
	return c.opts.AllowOriginFunc != nil && c.opts.AllowOriginFunc(origin)
}

func (c *cors) methodAllowed(m string) bool {
	for _, a := range c.methods {
		if a == m {
			return true
		}
	}
	return isSafelistedMethod(m)
}

// isSafelistedMethod: GET, HEAD and POST need no Allow-Methods entry.
func isSafelistedMethod(m string) bool { return m == "GET" || m == "HEAD" || m == "POST" }

func (c *cors) headerAllowed(f string) bool {
	if c.anyHeader {
		return true
	}
	switch f {
	case "accept", "accept-language", "content-language", "content-type", "range":
		// CORS-safelisted request headers (Fetch): browsers list them
		// only when their values are not safelisted; allowing them by
		// name is what rs/cors does.
		return true
	}
	for _, a := range c.headers {
		if a == f {
			return true
		}
	}
	return false
}

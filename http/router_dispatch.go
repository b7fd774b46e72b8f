package http

import (
	"html"
	"net"
	"net/url"
	"strings"
)

// specialChains are a Router's answers without a route, each wrapped in
// the Router's middleware once, so that answering them allocates nothing
// more than the answer itself: the per-request part (Allow, Location) is
// kept in the Request.
type specialChains struct {
	notFound, notAllowed, options, redirect, optionsStar route
}

func (rt *Router) specialsFor() *specialChains {
	rt.once.Do(func() {
		nf := rt.NotFound
		if nf == nil {
			nf = notFound{}
		}
		sp := &specialChains{}
		for _, x := range []struct {
			r *route
			h Handler
		}{
			{&sp.notFound, nf}, {&sp.notAllowed, methodNotAllowed{}}, {&sp.options, options204{}},
			{&sp.redirect, redirectHandler{}}, {&sp.optionsStar, options204{}},
		} {
			x.r.inner, x.r.chain = x.h, compose(rt.mws, x.h)
		}
		rt.specials = sp
		rt.sealed = true
	})
	return rt.specials
}

// resolve finds what answers r: the chain to run and the handler as
// registered, whose capabilities the server reads. It records the matched
// route and its wildcard values in r. Loop only; no allocation for a
// request that a route matches.
func (rt *Router) resolve(r *Request) (run, inner Handler) {
	// A parsed request has none of these yet (a nested Router sees its
	// parent's): stores with write barriers are paid only then.
	if r.route != nil || len(r.params) != 0 || r.routeNote != "" || r.pathValues != nil {
		r.route, r.params, r.routeNote, r.pathValues = nil, r.params[:0], "", nil
	}
	t := rt.tree
	path := unsafeString(r.Path())
	if t.hosts == nil && t.anyHost != nil && r.methodID != mUnknown && r.methodID != mCONNECT &&
		path != "" && path[0] == '/' {
		// The common request: settled by one walk when its path is clean
		// and unescaped and a route matches it exactly (no redirect to
		// path + "/" to consider).
		rte, ok := t.anyHost.matchClean(r.methodID, path, &r.params)
		if ok && exactMatch(rte, path) {
			r.route = rte
			return rte.chain, rte.inner
		}
		r.params = r.params[:0]
	}
	sp := rt.specialsFor()
	if r.methodID == mOPTIONS && path == "*" {
		return sp.optionsStar.chain, sp.optionsStar.inner // RFC 9110 9.3.7: the server as a whole
	}
	var host string
	if t.hosts != nil {
		host = stripHostPort(unsafeString(r.Host()))
	}
	method := r.Method()
	clean, esc := scanPath(path)
	if r.methodID == mCONNECT {
		clean = true // CONNECT paths are not canonicalized (ServeMux)
	}
	if !clean {
		return rt.resolveUnclean(r, sp, host, method, path, esc)
	}
	rte := t.match(host, r.methodID, method, path, &r.params, esc)
	if !exactMatch(rte, path) && path != "" && path[len(path)-1] != '/' {
		var buf [256]byte
		if probe := withSlash(&buf, path); exactMatch(t.match(host, r.methodID, method, probe, &r.params, esc), probe) {
			r.params = r.params[:0]
			return rt.redirect(r, sp, path+"/")
		}
		// The probe failed: drop what it may have added.
		if rte != nil {
			r.params = r.params[:len(rte.names)]
		} else {
			r.params = r.params[:0]
		}
	}
	if rte != nil {
		r.route = rte
		return rte.chain, rte.inner
	}
	return rt.miss(r, sp, host, path, esc)
}

// resolveUnclean answers a path that is not clean: a redirect, to path
// with a slash added if only that matches, otherwise to the clean path
// (the order and Locations are ServeMux's).
func (rt *Router) resolveUnclean(r *Request, sp *specialChains, host, method, path string, esc bool) (Handler, Handler) {
	cleaned := cleanPath(path)
	var ps []span
	rte := rt.tree.match(host, r.methodID, method, cleaned, &ps, esc)
	if !exactMatch(rte, cleaned) && !strings.HasSuffix(cleaned, "/") {
		probe := cleaned + "/"
		if exactMatch(rt.tree.match(host, r.methodID, method, probe, &ps, esc), probe) {
			return rt.redirect(r, sp, probe)
		}
	}
	return rt.redirect(r, sp, cleaned)
}

// redirect answers with a 307 to target, a path as escaped on the wire,
// and r's query. The Location keeps the path's escapes as they are (a
// %2F stays one, a '%' is not escaped again), as ServeMux does since Go
// 1.27 (its urlFromEscaped); Go 1.26's ServeMux escaped a '%' again.
func (rt *Router) redirect(r *Request, sp *specialChains, target string) (Handler, Handler) {
	unescaped, err := url.PathUnescape(target)
	if err != nil { // not reached: a path with a bad escape is refused earlier
		unescaped = target
	}
	u := url.URL{Path: unescaped, RawPath: target, RawQuery: string(r.RawQuery())}
	r.routeNote = u.String()
	return sp.redirect.chain, sp.redirect.inner
}

// miss answers a path no pattern matches for r's method: 405 (or 204 for
// OPTIONS) with Allow when other methods match it, else 404.
func (rt *Router) miss(r *Request, sp *specialChains, host, path string, esc bool) (Handler, Handler) {
	allowed := rt.tree.allowed(host, path, esc)
	if len(allowed) == 0 {
		return sp.notFound.chain, sp.notFound.inner
	}
	allow := strings.Join(allowed, ", ")
	if !strings.Contains(allow, "OPTIONS") {
		allow += ", OPTIONS" // the Router answers it (see Router)
	}
	r.routeNote = allow
	if r.methodID == mOPTIONS {
		return sp.options.chain, sp.options.inner
	}
	return sp.notAllowed.chain, sp.notAllowed.inner
}

// scanPath reports whether path is clean (rooted, no empty, "." or ".."
// segments) and whether it holds a percent escape, in one pass: paths are
// short, and a plain loop beats calls into IndexByte per segment.
func scanPath(path string) (clean, esc bool) {
	clean = path != "" && path[0] == '/'
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '%':
			esc = true
		case '/':
			if i+1 == len(path) {
				break
			}
			switch path[i+1] {
			case '/':
				clean = false
			case '.':
				// "." or ".." as a whole segment
				if i+2 == len(path) || path[i+2] == '/' ||
					path[i+2] == '.' && (i+3 == len(path) || path[i+3] == '/') {
					clean = false
				}
			}
		}
	}
	return clean, esc
}

// withSlash returns path + "/", in buf when it fits.
func withSlash(buf *[256]byte, path string) string {
	if len(path) >= len(buf) {
		return path + "/"
	}
	n := copy(buf[:], path)
	buf[n] = '/'
	return unsafeString(buf[:n+1])
}

// stripHostPort returns host without a trailing ":port" (ServeMux's rule).
func stripHostPort(h string) string {
	if strings.IndexByte(h, ':') < 0 {
		return h
	}
	host, _, err := net.SplitHostPort(h)
	if err != nil {
		return h
	}
	return host
}

// PathValue returns the value of the wildcard name in the pattern that
// matched r, percent-decoded, or "" if there is none (as net/http's). The
// value aliases the request's bytes unless it had to be decoded: valid
// until the handler returns; strings.Clone it to keep it. It does not
// allocate for a value without escapes.
func (r *Request) PathValue(name string) string {
	for i := len(r.pathValues) - 1; i >= 0; i-- {
		if r.pathValues[i].name == name {
			return r.pathValues[i].value
		}
	}
	if r.route == nil {
		return ""
	}
	for i, n := range r.route.names {
		if n == name && i < len(r.params) {
			p := r.Path()
			s := r.params[i]
			v := unsafeString(p[s.off : s.off+s.n])
			if strings.IndexByte(v, '%') >= 0 {
				return pathUnescape(v)
			}
			return v
		}
	}
	return ""
}

// SetPathValue sets name to value, so that PathValue(name) returns it (as
// net/http's: for middleware that rewrites a request, and for tests).
func (r *Request) SetPathValue(name, value string) {
	r.pathValues = append(r.pathValues, pathValue{name, value})
}

// Pattern returns the pattern of the route that matched r ("" if none),
// as registered (with a group's prefix), like net/http's Request.Pattern.
func (r *Request) Pattern() string {
	if r.route == nil {
		return ""
	}
	return r.route.pat.str
}

// eachPathValue calls f with every path value of r: the matched
// pattern's wildcards, then SetPathValue's (which win when set later).
func (r *Request) eachPathValue(f func(name, value string)) {
	if r.route != nil {
		for _, n := range r.route.names {
			f(n, r.PathValue(n))
		}
	}
	for _, v := range r.pathValues {
		f(v.name, v.value)
	}
}

type pathValue struct{ name, value string }

type notFound struct{}

func (notFound) ServeHTTP(w *ResponseWriter, _ *Request) {
	WriteError(w, StatusNotFound)
}

func (notFound) RefusesHead(*Request) bool { return true }

// methodNotAllowed answers 405 with the Allow the Router left in the
// request.
type methodNotAllowed struct{}

func (methodNotAllowed) ServeHTTP(w *ResponseWriter, r *Request) {
	w.Header().Set("Allow", r.routeNote)
	WriteError(w, StatusMethodNotAllowed)
}

func (methodNotAllowed) RefusesHead(*Request) bool { return true }

type options204 struct{}

func (options204) ServeHTTP(w *ResponseWriter, r *Request) {
	if r.routeNote != "" {
		w.Header().Set("Allow", r.routeNote)
	}
	w.WriteHeader(StatusNoContent)
}

// redirectHandler answers 307 to the Location the Router left in the
// request, with net/http's body for GET.
type redirectHandler struct{}

func (redirectHandler) ServeHTTP(w *ResponseWriter, r *Request) {
	loc := r.routeNote
	w.Header().Set("Location", loc)
	if r.methodID == mGET || r.methodID == mHEAD {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(statusTemporaryRedirect)
	if r.methodID == mGET {
		_, _ = w.WriteString("<a href=\"" + html.EscapeString(loc) + "\">" + StatusText(statusTemporaryRedirect) + "</a>.\n\n")
	}
}

// RefusesHead: a redirect does not need the body.
func (redirectHandler) RefusesHead(*Request) bool { return true }

// WriteError answers with code and its reason phrase as a plain-text body.
func WriteError(w *ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.WriteString(StatusText(code))
	_, _ = w.WriteString("\n")
}

// statusTemporaryRedirect is ServeMux's redirect status since Go 1.26
// (it was 301 before): the method and body are kept.
const statusTemporaryRedirect = 307

package http

import (
	"sort"
	"strings"
)

// Router dispatches on method and path: exact paths first, then the longest
// matching prefix. A path that matches with no handler for the method is
// answered 405 with an Allow header; no match at all is 404. HEAD is served
// by the GET handler when no HEAD handler is registered (the server drops
// the body). OPTIONS with no handler of its own is answered 204 with Allow.
//
// Register routes before the server starts; a Router is read-only while it
// serves, so any loop may use it at once.
type Router struct {
	exact    map[string]*route
	list     []*route // the exact routes, scanned instead of hashing when few
	prefixes []*route // longest first
	// NotFound answers requests no route matches (default: a 404).
	NotFound Handler
}

type route struct {
	path     string
	methods  []string
	handlers []Handler
	any      Handler
	allow    string
	notAllow Handler
	options  Handler
	// byMethod is handler() resolved for every standard method, indexed
	// by the parser's method id: dispatch is one load.
	byMethod [len(methodNames)]Handler
}

// smallRouteSet is how many exact routes are matched by comparing paths
// one by one, which beats hashing the path for a typical service's few
// routes; more than that go through the map.
const smallRouteSet = 8

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{exact: make(map[string]*route)} }

// Handle registers h for method (e.g. "GET"; "" for every method) on the
// exact path.
func (rt *Router) Handle(method, path string, h Handler) {
	r := rt.exact[path]
	if r == nil {
		r = &route{path: path}
		rt.exact[path] = r
		rt.list = append(rt.list, r)
	}
	r.add(method, h)
}

// HandleFunc is Handle for a function.
func (rt *Router) HandleFunc(method, path string, f func(*ResponseWriter, *Request)) {
	rt.Handle(method, path, HandlerFunc(f))
}

// HandlePrefix registers h for method on every path that starts with
// prefix (e.g. "/static/").
func (rt *Router) HandlePrefix(method, prefix string, h Handler) {
	for _, r := range rt.prefixes {
		if r.path == prefix {
			r.add(method, h)
			return
		}
	}
	r := &route{path: prefix}
	r.add(method, h)
	rt.prefixes = append(rt.prefixes, r)
	sort.SliceStable(rt.prefixes, func(i, j int) bool { return len(rt.prefixes[i].path) > len(rt.prefixes[j].path) })
}

// GET registers f for GET (and so HEAD) on path.
func (rt *Router) GET(path string, f func(*ResponseWriter, *Request)) { rt.HandleFunc("GET", path, f) }

// POST registers f for POST on path.
func (rt *Router) POST(path string, f func(*ResponseWriter, *Request)) {
	rt.HandleFunc("POST", path, f)
}

func (r *route) add(method string, h Handler) {
	if method == "" {
		r.any = h
	} else {
		for i, m := range r.methods {
			if m == method {
				r.handlers[i] = h
				return
			}
		}
		r.methods = append(r.methods, method)
		r.handlers = append(r.handlers, h)
	}
	allowed := append([]string(nil), r.methods...)
	if r.has("GET") && !r.has("HEAD") {
		allowed = append(allowed, "HEAD")
	}
	if !r.has("OPTIONS") {
		allowed = append(allowed, "OPTIONS")
	}
	r.allow = strings.Join(allowed, ", ")
	r.notAllow = methodNotAllowed{allow: r.allow}
	r.options = options204{allow: r.allow}
	for id := 1; id < len(methodNames); id++ {
		r.byMethod[id] = r.handler(methodNames[id])
	}
}

// handlerFor is handler for a parsed request.
func (r *route) handlerFor(req *Request) Handler {
	if id := req.methodID; id != mUnknown {
		return r.byMethod[id]
	}
	return r.handler(req.Method())
}

func (r *route) has(m string) bool {
	for _, x := range r.methods {
		if x == m {
			return true
		}
	}
	return false
}

func (r *route) handler(method string) Handler {
	for i, m := range r.methods {
		if m == method {
			return r.handlers[i]
		}
	}
	if r.any != nil {
		return r.any
	}
	if method == "HEAD" {
		return r.handler("GET")
	}
	if method == "OPTIONS" {
		return r.options
	}
	return r.notAllow
}

// ServeHTTP dispatches r.
func (rt *Router) ServeHTTP(w *ResponseWriter, r *Request) { rt.lookup(r).ServeHTTP(w, r) }

// lookup resolves the handler for r without allocating: the map index with
// a converted []byte key does not copy.
func (rt *Router) lookup(r *Request) Handler {
	path := r.Path()
	if len(rt.list) <= smallRouteSet {
		for _, rte := range rt.list {
			if rte.path == string(path) {
				return rte.handlerFor(r)
			}
		}
	} else if rte := rt.exact[string(path)]; rte != nil {
		return rte.handlerFor(r)
	}
	for _, rte := range rt.prefixes {
		if len(path) >= len(rte.path) && string(path[:len(rte.path)]) == rte.path {
			return rte.handlerFor(r)
		}
	}
	if string(path) == "*" && r.Method() == "OPTIONS" {
		return optionsStar // RFC 9110 9.3.7: about the server as a whole
	}
	if rt.NotFound != nil {
		return rt.NotFound
	}
	return notFound{}
}

type notFound struct{}

func (notFound) ServeHTTP(w *ResponseWriter, _ *Request) {
	WriteError(w, StatusNotFound)
}

type methodNotAllowed struct{ allow string }

func (m methodNotAllowed) ServeHTTP(w *ResponseWriter, _ *Request) {
	w.Header().Set("Allow", m.allow)
	WriteError(w, StatusMethodNotAllowed)
}

type options204 struct{ allow string }

var optionsStar Handler = options204{}

func (o options204) ServeHTTP(w *ResponseWriter, _ *Request) {
	if o.allow != "" {
		w.Header().Set("Allow", o.allow)
	}
	w.WriteHeader(StatusNoContent)
}

// WriteError answers with code and its reason phrase as a plain-text body.
func WriteError(w *ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.WriteString(StatusText(code))
	_, _ = w.WriteString("\n")
}

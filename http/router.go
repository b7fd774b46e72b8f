package http

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Router dispatches requests by pattern, with the syntax, precedence and
// answers of Go 1.22's net/http ServeMux, so a pattern means the same here
// as on a ServeMux served through Adapt:
//
//	rt := http.NewRouter()
//	rt.Use(accessLog)                               // every answer, 404s too
//	rt.GET("/users/{id}", getUser)                  // r.PathValue("id")
//	rt.Handle("GET /files/{path...}", files)        // the rest of the path
//	rt.Handle("POST api.example.com/hooks/{$}", h)  // host, and exactly "/hooks/"
//	api := rt.Group("/api/v1", auth)                // a prefix and middleware
//	api.GET("/items", listItems)                    // GET /api/v1/items
//
// A pattern is [METHOD ][HOST]/[PATH]. Its path segments are literals
// (compared percent-decoded), {name} (one segment), {name...} (the rest of
// the path, last only) or {$} (the end of a path ending in a slash); a
// path ending in a slash matches the whole subtree. Without a method a
// pattern matches every method; GET also serves HEAD. When several patterns
// match, the most specific wins: a host beats no host, then the pattern
// that matches a strict subset of the other's requests; two patterns that
// match some request alike with neither more specific (or match the same
// requests) are refused at registration, with an error naming both.
//
// Answers without a route, as ServeMux gives them: a path that is not
// clean (//, /./, /../) is redirected (307, the query kept) to its clean
// form; a path that only a subtree pattern would match with a slash added
// (/dir for "/dir/") is redirected to it; a path that patterns match for
// other methods only is 405 with Allow listing them. Two answers differ
// from ServeMux, as before: OPTIONS on such a path is 204 with Allow (it
// is a valid question about the resource), and OPTIONS * is 204. Anything
// else is 404, or NotFound.
//
// Register routes and middleware before the server starts: a Router is
// read-only while it serves, so any loop may use it at once. Looking up a
// static or wildcard route allocates nothing.
//
// # Middleware
//
// Use, Group and With wrap routes in Middleware. The Router keeps each
// route's handler as registered beside its wrapped chain, and a Server
// serving the Router reads the capabilities it acts on at head time from
// the handler as registered - a StreamingHandler gets its body streamed, a
// Refuser refuses early, a 405 is answered before its body - while it runs
// the chain, so middleware cannot turn those off. See Middleware for what
// a chain must do, and what a hand-written wrapper around the Router loses.
type Router struct {
	tree   *routeTree // shared with the Router's groups
	prefix string     // a group's path prefix, without a trailing slash
	mws    []Middleware
	sealed bool // routes or groups made: Use would miss them

	// NotFound answers requests no route matches (default: a 404). The
	// Router's own middleware wraps it. Only the NotFound of the Router
	// the server serves counts, not a group's.
	NotFound Handler

	once     sync.Once
	specials *specialChains // answers without a route, wrapped in mws
}

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{tree: &routeTree{}} }

// Register registers h for pattern (see Router), wrapped in the Router's
// middleware. It returns an error, and registers nothing, for a malformed
// pattern, a method that is not an upper-case token, a path without a
// leading slash, a nil handler, or a pattern that conflicts with one
// registered before (the error names both). Not safe while serving.
func (rt *Router) Register(pattern string, h Handler) error {
	if h == nil {
		return fmt.Errorf("http: pattern %q: nil handler", pattern)
	}
	full, err := rt.prefixed(pattern)
	if err != nil {
		return err
	}
	return rt.add(full, h, compose(rt.mws, h))
}

// add registers the pattern full for a route with the given innermost and
// wrapped handlers.
func (rt *Router) add(full string, inner, chain Handler) error {
	p, err := parsePattern(full)
	if err != nil {
		return fmt.Errorf("http: pattern %q: %w", full, err)
	}
	for _, old := range rt.tree.routes {
		if old.pat.conflictsWith(p) {
			return conflictError(old.pat, p)
		}
	}
	rte := &route{pat: p, names: p.names(), inner: inner, chain: chain}
	last := p.last()
	rte.namedMulti = last.multi && last.s != ""
	rte.multi, rte.nsegs = last.multi, len(p.segs)
	rt.tree.insert(rte)
	rt.sealed = true
	return nil
}

// prefixed puts a group's prefix in front of pattern's path.
func (rt *Router) prefixed(pattern string) (string, error) {
	if rt.prefix == "" {
		return pattern, nil
	}
	method, rest := "", pattern
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		method, rest = pattern[:i+1], strings.TrimLeft(pattern[i+1:], " \t")
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "", fmt.Errorf("http: pattern %q: host/path missing / (a path must start with /)", pattern)
	}
	return method + rest[:i] + rt.prefix + rest[i:], nil
}

// Handle registers h for pattern, and panics where Register returns an
// error, as ServeMux.Handle does.
func (rt *Router) Handle(pattern string, h Handler) {
	if err := rt.Register(pattern, h); err != nil {
		panic(err)
	}
}

// HandleFunc registers f for pattern, as Handle.
func (rt *Router) HandleFunc(pattern string, f func(*ResponseWriter, *Request)) {
	if f == nil {
		panic(fmt.Errorf("http: pattern %q: nil handler", pattern))
	}
	rt.Handle(pattern, HandlerFunc(f))
}

// HandleMethod registers h for method on path ("" for every method): the
// pattern method + " " + path. It panics as Handle does.
func (rt *Router) HandleMethod(method, path string, h Handler) {
	if method == "" {
		rt.Handle(path, h)
		return
	}
	rt.Handle(method+" "+path, h)
}

func (rt *Router) handleFunc(method, path string, f func(*ResponseWriter, *Request)) {
	if f == nil {
		panic(fmt.Errorf("http: pattern %q: nil handler", method+" "+path))
	}
	rt.HandleMethod(method, path, HandlerFunc(f))
}

// GET registers f for GET (and so HEAD) on path, which may hold wildcards.
func (rt *Router) GET(path string, f func(*ResponseWriter, *Request)) { rt.handleFunc("GET", path, f) }

// HEAD registers f for HEAD on path (GET's handler serves HEAD without it).
func (rt *Router) HEAD(path string, f func(*ResponseWriter, *Request)) {
	rt.handleFunc("HEAD", path, f)
}

// POST registers f for POST on path.
func (rt *Router) POST(path string, f func(*ResponseWriter, *Request)) {
	rt.handleFunc("POST", path, f)
}

// PUT registers f for PUT on path.
func (rt *Router) PUT(path string, f func(*ResponseWriter, *Request)) { rt.handleFunc("PUT", path, f) }

// PATCH registers f for PATCH on path.
func (rt *Router) PATCH(path string, f func(*ResponseWriter, *Request)) {
	rt.handleFunc("PATCH", path, f)
}

// DELETE registers f for DELETE on path.
func (rt *Router) DELETE(path string, f func(*ResponseWriter, *Request)) {
	rt.handleFunc("DELETE", path, f)
}

// OPTIONS registers f for OPTIONS on path (replacing the Router's 204
// with Allow there).
func (rt *Router) OPTIONS(path string, f func(*ResponseWriter, *Request)) {
	rt.handleFunc("OPTIONS", path, f)
}

// Use appends middleware to the Router's stack: it wraps every route
// registered afterwards on this Router and its groups, and (on the Router
// the server serves) its answers without a route: 404, 405, redirects,
// OPTIONS. The first added is the outermost. Use panics once routes or
// groups have been made from this Router, which it could not wrap (chi's
// rule).
func (rt *Router) Use(mw ...Middleware) {
	if rt.sealed {
		panic(errors.New("http: Router.Use after routes or groups were made from this Router: call Use first"))
	}
	for _, m := range mw {
		if m == nil {
			panic(errors.New("http: Router.Use: nil middleware"))
		}
	}
	rt.mws = append(rt.mws[:len(rt.mws):len(rt.mws)], mw...)
}

// With returns a group with the same prefix and the middleware mw added
// (chi's inline group): rt.With(auth).GET("/me", me).
func (rt *Router) With(mw ...Middleware) *Router { return rt.group("", mw) }

// Group returns a group under prefix (a path such as "/api/v1", which may
// hold wildcards; it is prepended to the path of each pattern registered
// on the group) with the Router's middleware and mw added. Groups share
// the Router's routes: a conflict between them is refused as on one
// Router.
func (rt *Router) Group(prefix string, mw ...Middleware) *Router {
	if prefix != "" && prefix[0] != '/' {
		panic(fmt.Errorf("http: group prefix %q must start with /", prefix))
	}
	return rt.group(strings.TrimSuffix(prefix, "/"), mw)
}

func (rt *Router) group(prefix string, mw []Middleware) *Router {
	for _, m := range mw {
		if m == nil {
			panic(errors.New("http: nil middleware"))
		}
	}
	rt.sealed = true
	mws := append(rt.mws[:len(rt.mws):len(rt.mws)], mw...)
	return &Router{tree: rt.tree, prefix: rt.prefix + prefix, mws: mws}
}

// Route calls fn with a group under prefix and returns it (chi's
// r.Route): rt.Route("/users/{id}", func(r *Router) { r.GET("/", get) }).
func (rt *Router) Route(prefix string, fn func(*Router)) *Router {
	g := rt.Group(prefix)
	fn(g)
	return g
}

// Mount serves h under prefix (a path without a trailing slash, such as
// "/admin"), for every method: the path prefix itself and everything
// below it. The handler sees the whole path; nothing is stripped, as with
// a ServeMux subtree pattern.
//
// A *Router is not mounted as one handler: its routes, as registered when
// Mount is called, are registered here with prefix prepended, each keeping
// its own middleware inside this Router's, so its wildcards, 405s and the
// capabilities of its handlers (streaming, early refusal) work as if they
// had been registered here. Routes added to it afterwards are not seen,
// nor its NotFound. Mount panics as Handle does.
func (rt *Router) Mount(prefix string, h Handler) {
	if prefix == "" || prefix[0] != '/' {
		panic(fmt.Errorf("http: mount prefix %q must start with /", prefix))
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if sub, ok := h.(*Router); ok {
		g := rt.group(prefix, nil)
		for _, rte := range sub.tree.routes {
			full, err := g.prefixed(rte.pat.str)
			if err == nil {
				err = g.add(full, rte.inner, compose(g.mws, rte.chain))
			}
			if err != nil {
				panic(err)
			}
		}
		return
	}
	if h == nil {
		panic(fmt.Errorf("http: mount %q: nil handler", prefix))
	}
	if prefix != "" {
		rt.Handle(prefix, h)
	}
	rt.Handle(prefix+"/", h)
}

// HandlePrefix registers h for method ("" for every method) on every path
// under prefix, which must end in a slash: the subtree pattern
// method + " " + prefix. Kept for callers of the first Router; Handle
// with a subtree pattern says the same.
func (rt *Router) HandlePrefix(method, prefix string, h Handler) {
	if !strings.HasSuffix(prefix, "/") {
		panic(fmt.Errorf("http: HandlePrefix %q: a prefix ends in /", prefix))
	}
	rt.HandleMethod(method, prefix, h)
}

// ServeHTTP dispatches r: it resolves the route and runs its chain. A
// Server serving the Router resolves at head time instead (see Router).
func (rt *Router) ServeHTTP(w *ResponseWriter, r *Request) {
	run, _ := rt.resolve(r)
	run.ServeHTTP(w, r)
}

// RefusesHead reports whether the handler r would be routed to refuses it
// from its head alone (see Refuser).
func (rt *Router) RefusesHead(r *Request) bool {
	_, inner := rt.resolve(r)
	rf, ok := inner.(Refuser)
	return ok && rf.RefusesHead(r)
}

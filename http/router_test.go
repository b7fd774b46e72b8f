package http

import (
	"strings"
	"testing"
)

// parseReq parses a request head for the Router's unit tests.
func parseReq(t testing.TB, method, target, host string) *Request {
	t.Helper()
	var p parser
	r, err := p.Parse([]byte(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"))
	if err != nil || r == nil {
		t.Fatalf("parse %s %s: %v", method, target, err)
	}
	return r
}

type named string

func (named) ServeHTTP(*ResponseWriter, *Request) {}

// routeOf resolves a request and names what answers it: the named handler,
// or 404, "405 <Allow>", "204 <Allow>", "307 <Location>".
func routeOf(t testing.TB, rt *Router, method, target, host string) (string, *Request) {
	t.Helper()
	r := parseReq(t, method, target, host)
	_, inner := rt.resolve(r)
	switch h := inner.(type) {
	case named:
		return string(h), r
	case notFound:
		return "404", r
	case methodNotAllowed:
		return "405 " + r.routeNote, r
	case options204:
		return "204 " + r.routeNote, r
	case redirectHandler:
		return "307 " + r.routeNote, r
	}
	t.Fatalf("%s %s: handler %T", method, target, inner)
	return "", nil
}

// The frictions of issue 11, each of which the first Router had.

// TestRouterPathParameters: {id} is a wildcard, not a literal.
func TestRouterPathParameters(t *testing.T) {
	rt := NewRouter()
	rt.GET("/users/{id}", func(w *ResponseWriter, r *Request) { _, _ = w.WriteString(r.PathValue("id")) })
	rt.GET("/users/{id}/files/{path...}", func(w *ResponseWriter, r *Request) {
		_, _ = w.WriteString(r.PathValue("id") + " " + r.PathValue("path"))
	})
	s := startServer(t, rt)
	c := dial(t, s)
	c.send(get("/users/42"))
	if r := c.expectStatus("GET", 200); r.body != "42" {
		t.Fatalf("body %q", r.body)
	}
	c.send(get("/users/a%2Fb/files/x/y%20z.txt"))
	if r := c.expectStatus("GET", 200); r.body != "a/b x/y z.txt" {
		t.Fatalf("body %q", r.body)
	}
	c.send(get("/users/{id}"))
	if r := c.expectStatus("GET", 200); r.body != "{id}" {
		t.Fatalf("body %q", r.body)
	}
}

// TestRouterRefusesBadRegistrations: duplicates, conflicts, lower-case
// methods, paths without a slash and nil handlers fail at registration;
// the conflict errors name both patterns; Handle and the helpers panic.
func TestRouterRefusesBadRegistrations(t *testing.T) {
	h := named("h")
	for _, tc := range []struct {
		first, second string
		want          []string // in the error
	}{
		{"GET /x", "GET /x", []string{`"GET /x"`, "same requests"}},
		{"/a/{x}", "/a/{y}", []string{`"/a/{x}"`, `"/a/{y}"`}},
		{"GET /a/{x}", "/{y}/b", []string{`"GET /a/{x}"`, `"/{y}/b"`, "/a/b"}},
		{"/a/", "/a/{rest...}", []string{`"/a/"`, `"/a/{rest...}"`}},
		{"h.com/x", "h.com/x", []string{`"h.com/x"`}},
		{"", "get /lc", []string{`"get /lc"`, "upper-case", `"GET"`}},
		{"", "Get /lc", []string{"upper-case"}},
		{"", "x", []string{`"x"`, "start with /"}},
		{"", "GET x", []string{`"GET x"`, "start with /"}},
		{"", "GE(T /x", []string{"invalid method"}},
		{"", "/{a}/{a}", []string{"duplicate wildcard"}},
		{"", "/{a...}/b", []string{"not at end"}},
		{"", "GET /a/../b", []string{"unclean"}},
		{"", "", []string{"empty pattern"}},
	} {
		rt := NewRouter()
		if tc.first != "" {
			if err := rt.Register(tc.first, h); err != nil {
				t.Fatalf("%q: %v", tc.first, err)
			}
		}
		err := rt.Register(tc.second, h)
		if err == nil {
			t.Fatalf("%q after %q: registered", tc.second, tc.first)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("%q after %q: error %q lacks %q", tc.second, tc.first, err, w)
			}
		}
		if _, got := routeOf(t, rt, "GET", "/x", "h"); tc.first == "" && len(rt.tree.routes) != 0 {
			t.Fatalf("%q: refused but registered (%v)", tc.second, got)
		}
	}
	rt := NewRouter()
	if err := rt.Register("/nil", nil); err == nil || !strings.Contains(err.Error(), "nil handler") {
		t.Fatalf("nil handler: %v", err)
	}
	rt.GET("/x", func(*ResponseWriter, *Request) {})
	for name, f := range map[string]func(){
		"Handle dup":      func() { rt.Handle("GET /x", h) },
		"GET dup":         func() { rt.GET("/x", func(*ResponseWriter, *Request) {}) },
		"HandleFunc nil":  func() { rt.HandleFunc("/y", nil) },
		"GET nil":         func() { rt.GET("/z", nil) },
		"POST no slash":   func() { rt.POST("z", func(*ResponseWriter, *Request) {}) },
		"HandleMethod lc": func() { rt.HandleMethod("get", "/lc", h) },
		"Mount nil":       func() { rt.Mount("/m", nil) },
		"Use after route": func() { rt.Use(func(h Handler) Handler { return h }) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestRouterMatching: precedence, HEAD, 405 with Allow, OPTIONS, the
// redirects and hosts, as ServeMux has them.
func TestRouterMatching(t *testing.T) {
	rt := NewRouter()
	for _, p := range []string{
		"GET /{$}", "GET /users/{id}", "GET /users/new", "POST /users/{id}", "DELETE /users/{id}",
		"GET /files/{path...}", "/static/", "GET /dir/", "HEAD /only-head", "GET h.com/users/{id}",
		"PUT /a/{x}/c", "PUT /a/b/{y}/d",
	} {
		rt.Handle(p, named(p))
	}
	for _, tc := range []struct{ method, target, host, want string }{
		{"GET", "/", "x", "GET /{$}"},
		{"GET", "/nothing", "x", "404"},
		{"GET", "/users/7", "x", "GET /users/{id}"},
		{"GET", "/users/new", "x", "GET /users/new"},
		{"HEAD", "/users/7", "x", "GET /users/{id}"},
		{"POST", "/users/7", "x", "POST /users/{id}"},
		{"PATCH", "/users/7", "x", "405 DELETE, GET, HEAD, POST, OPTIONS"},
		{"OPTIONS", "/users/7", "x", "204 DELETE, GET, HEAD, POST, OPTIONS"},
		{"GET", "/users/7", "h.com", "GET h.com/users/{id}"},
		{"GET", "/users/7", "h.com:8080", "GET h.com/users/{id}"},
		{"POST", "/users/7", "h.com", "POST /users/{id}"},
		{"GET", "/files/a/b", "x", "GET /files/{path...}"},
		{"PROPFIND", "/static/x", "x", "/static/"},
		{"GET", "/static", "x", "307 /static/"},
		{"GET", "/dir?q=1", "x", "307 /dir/?q=1"},
		{"GET", "/dir/", "x", "GET /dir/"},
		{"GET", "/a//b/../users/7?x=%2F", "x", "307 /a/users/7?x=%2F"},
		{"GET", "/only-head", "x", "405 HEAD, OPTIONS"},
		{"HEAD", "/only-head", "x", "HEAD /only-head"},
		{"PUT", "/a/b/c", "x", "PUT /a/{x}/c"},
		{"PUT", "/a/b/z/d", "x", "PUT /a/b/{y}/d"},
		{"PUT", "/a/q", "x", "404"},
		{"GET", "/a/b/c", "x", "405 PUT, OPTIONS"},
	} {
		if got, _ := routeOf(t, rt, tc.method, tc.target, tc.host); got != tc.want {
			t.Errorf("%s %s (Host %s): %q, want %q", tc.method, tc.target, tc.host, got, tc.want)
		}
	}
	if got, _ := routeOf(t, NewRouter(), "OPTIONS", "*", "x"); got != "204 " {
		t.Errorf("OPTIONS *: %q", got)
	}
	if got, _ := routeOf(t, NewRouter(), "GET", "/x", "x"); got != "404" {
		t.Errorf("empty router: %q", got)
	}
}

// TestRouterPathValue: values, their decoding, SetPathValue, Pattern.
func TestRouterPathValue(t *testing.T) {
	rt := NewRouter()
	rt.Handle("GET /v/{a}/{b}/{rest...}", named("v"))
	rt.Handle("GET /w/{a}/", named("w"))
	_, r := routeOf(t, rt, "GET", "/v/1/%41b/x/y/", "x")
	if r.PathValue("a") != "1" || r.PathValue("b") != "Ab" || r.PathValue("rest") != "x/y/" || r.PathValue("zz") != "" {
		t.Fatalf("values %q %q %q", r.PathValue("a"), r.PathValue("b"), r.PathValue("rest"))
	}
	if r.Pattern() != "GET /v/{a}/{b}/{rest...}" {
		t.Fatalf("pattern %q", r.Pattern())
	}
	r.SetPathValue("a", "changed")
	r.SetPathValue("other", "o")
	if r.PathValue("a") != "changed" || r.PathValue("other") != "o" || r.PathValue("b") != "Ab" {
		t.Fatal("SetPathValue")
	}
	if c := r.Clone(); c.PathValue("b") != "Ab" || c.PathValue("a") != "changed" {
		t.Fatal("Clone lost the path values")
	}
	_, r = routeOf(t, rt, "GET", "/w/9/anything/else", "x")
	if r.PathValue("a") != "9" {
		t.Fatalf("subtree value %q", r.PathValue("a"))
	}
}

// TestRouterLookupAllocs: static and wildcard lookups and PathValue
// allocate nothing.
func TestRouterLookupAllocs(t *testing.T) {
	rt := NewRouter()
	rt.GET("/static/path", func(*ResponseWriter, *Request) {})
	rt.GET("/users/{id}/repos/{repo}", func(*ResponseWriter, *Request) {})
	rt.GET("/files/{p...}", func(*ResponseWriter, *Request) {})
	for _, target := range []string{"/static/path", "/users/42/repos/muduo", "/files/a/b/c"} {
		r := parseReq(t, "GET", target, "x")
		n := testing.AllocsPerRun(100, func() {
			rt.resolve(r)
			_ = r.PathValue("id")
			_ = r.PathValue("p")
		})
		if n != 0 {
			t.Errorf("%s: %v allocs per lookup", target, n)
		}
	}
}

// TestRouterGroups: Group, With, Route and Mount build patterns and chains.
func TestRouterGroups(t *testing.T) {
	var trace []string
	mw := func(name string) Middleware {
		return func(next Handler) Handler {
			return HandlerFunc(func(w *ResponseWriter, r *Request) {
				trace = append(trace, name)
				if r.Pattern() != "" { // 404 and 405 would write to w, which has no connection here
					next.ServeHTTP(w, r)
				}
			})
		}
	}
	rt := NewRouter()
	rt.Use(mw("root"))
	api := rt.Group("/api/v1", mw("api"))
	api.Handle("GET /items/{id}", named("item"))
	api.With(mw("with")).GET("/me", func(*ResponseWriter, *Request) {})
	rt.Route("/users/{uid}", func(g *Router) {
		g.Use(mw("users"))
		g.Handle("GET /{$}", named("user"))
	})
	sub := NewRouter()
	sub.Use(mw("sub"))
	sub.Handle("POST /hooks/{name}", named("hook"))
	rt.Mount("/ext", sub)
	rt.Mount("/adm", named("admin"))

	for _, tc := range []struct {
		method, target, want string
		trace                string
	}{
		{"GET", "/api/v1/items/3", "item", "root api"},
		{"GET", "/api/v1/me", "", "root api with"},
		{"GET", "/users/u1/", "user", "root users"},
		{"POST", "/ext/hooks/x", "hook", "root sub"},
		{"GET", "/adm", "admin", "root"},
		{"DELETE", "/adm/a/b", "admin", "root"},
		{"GET", "/nowhere", "404", "root"},
		{"POST", "/api/v1/items/3", "405 GET, HEAD, OPTIONS", "root"},
	} {
		trace = nil
		r := parseReq(t, tc.method, tc.target, "x")
		run, inner := rt.resolve(r)
		run.ServeHTTP(&ResponseWriter{}, r)
		got := ""
		switch h := inner.(type) {
		case named:
			got = string(h)
		case notFound:
			got = "404"
		case methodNotAllowed:
			got = "405 " + r.routeNote
		}
		if tc.want != "" && got != tc.want || strings.Join(trace, " ") != tc.trace {
			t.Errorf("%s %s: %q trace %q, want %q trace %q", tc.method, tc.target, got, trace, tc.want, tc.trace)
		}
	}
	if _, r := routeOf(t, rt, "GET", "/api/v1/items/3", "x"); r.Pattern() != "GET /api/v1/items/{id}" || r.PathValue("id") != "3" {
		t.Fatalf("group pattern %q id %q", r.Pattern(), r.PathValue("id"))
	}
	if err := rt.Group("/api").Register("GET /v1/items/{x}", named("dup")); err == nil ||
		!strings.Contains(err.Error(), `"GET /api/v1/items/{id}"`) || !strings.Contains(err.Error(), `"GET /api/v1/items/{x}"`) {
		t.Fatalf("conflict across groups: %v", err)
	}
}

// Package routing benchmarks muduo-go's Router against httprouter, gin,
// echo, chi and net/http's ServeMux on the GitHub API route set (203
// routes): one static route, one route with two parameters, and every
// route in turn. Run all six in one process, so they share the machine's
// state:
//
//	cd benchmarks && go test -run '^$' -bench Github -benchmem -count 8 ./routing
//
// Every router gets a handler that does nothing; the peers get requests
// made with http.NewRequest and a ResponseWriter that discards, muduo-go
// parsed request heads and a zero ResponseWriter the handler never touches,
// as each is served in production. Besides ns/op (wall time) each reports
// cpu-ns/op, the process's CPU time per op, which a loaded machine skews
// far less.
package routing

import (
	nethttp "net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/julienschmidt/httprouter"
	"github.com/labstack/echo/v4"
	mhttp "github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/internal/parsehook"
)

type route struct{ method, path string }

func routes() []route {
	var rs []route
	for _, line := range strings.Split(strings.TrimSpace(githubRoutes), "\n") {
		m, p, _ := strings.Cut(line, " ")
		rs = append(rs, route{m, p})
	}
	return rs
}

// braces turns :name into {name}, for the ServeMux pattern syntax.
func braces(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// A router under test: serve answers the i-th prepared request.
type router struct {
	name    string
	prepare func(rs []route, targets []route) (serve func(i int))
}

type discard struct{ h nethttp.Header }

func (d *discard) Header() nethttp.Header      { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func stdServe(h nethttp.Handler, targets []route) func(int) {
	reqs := make([]*nethttp.Request, len(targets))
	for i, t := range targets {
		reqs[i], _ = nethttp.NewRequest(t.method, t.path, nil)
	}
	w := &discard{h: nethttp.Header{}}
	return func(i int) { h.ServeHTTP(w, reqs[i]) }
}

var routers = []router{
	{"Muduo", func(rs, targets []route) func(int) {
		rt := mhttp.NewRouter()
		for _, r := range rs {
			rt.HandleMethod(r.method, braces(r.path), mhttp.HandlerFunc(func(*mhttp.ResponseWriter, *mhttp.Request) {}))
		}
		reqs := make([]*mhttp.Request, len(targets))
		for i, t := range targets {
			reqs[i] = parseRequest(t.method + " " + t.path + " HTTP/1.1\r\nHost: api.github.com\r\n\r\n")
		}
		w := new(mhttp.ResponseWriter)
		return func(i int) { rt.ServeHTTP(w, reqs[i]) }
	}},
	{"HttpRouter", func(rs, targets []route) func(int) {
		h := httprouter.New()
		for _, r := range rs {
			h.Handle(r.method, r.path, func(nethttp.ResponseWriter, *nethttp.Request, httprouter.Params) {})
		}
		return stdServe(h, targets)
	}},
	{"Gin", func(rs, targets []route) func(int) {
		gin.SetMode(gin.ReleaseMode)
		h := gin.New()
		for _, r := range rs {
			h.Handle(r.method, r.path, func(*gin.Context) {})
		}
		return stdServe(h, targets)
	}},
	{"Echo", func(rs, targets []route) func(int) {
		h := echo.New()
		for _, r := range rs {
			h.Add(r.method, r.path, func(echo.Context) error { return nil })
		}
		return stdServe(h, targets)
	}},
	{"Chi", func(rs, targets []route) func(int) {
		h := chi.NewRouter()
		for _, r := range rs {
			h.MethodFunc(r.method, braces(r.path), func(nethttp.ResponseWriter, *nethttp.Request) {})
		}
		return stdServe(h, targets)
	}},
	{"ServeMux", func(rs, targets []route) func(int) {
		h := nethttp.NewServeMux()
		for _, r := range rs {
			h.HandleFunc(r.method+" "+braces(r.path), func(nethttp.ResponseWriter, *nethttp.Request) {})
		}
		return stdServe(h, targets)
	}},
}

func benchRouters(b *testing.B, targets []route) {
	rs := routes()
	for _, r := range routers {
		serve := r.prepare(rs, targets)
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				for i := range targets {
					serve(i)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func BenchmarkGithubStatic(b *testing.B) { benchRouters(b, []route{{"GET", "/user/repos"}}) }

func BenchmarkGithubParam(b *testing.B) {
	benchRouters(b, []route{{"GET", "/repos/julienschmidt/httprouter/stargazers"}})
}

func BenchmarkGithubAll(b *testing.B) { benchRouters(b, routes()) }

// TestGithubRoutes: the set is the 203 routes, and every router (muduo-go's
// checked in full) takes every one of them.
func TestGithubRoutes(t *testing.T) {
	rs := routes()
	if len(rs) != 203 {
		t.Fatalf("%d routes", len(rs))
	}
	rt := mhttp.NewRouter()
	for i, r := range rs {
		want := i
		rt.HandleMethod(r.method, braces(r.path), mhttp.HandlerFunc(func(w *mhttp.ResponseWriter, req *mhttp.Request) {
			if req.Pattern() != rs[want].method+" "+braces(rs[want].path) {
				t.Errorf("%s %s: pattern %q", rs[want].method, rs[want].path, req.Pattern())
			}
			for _, seg := range strings.Split(rs[want].path, "/") {
				if strings.HasPrefix(seg, ":") && req.PathValue(seg[1:]) != seg {
					t.Errorf("%s: %s = %q", rs[want].path, seg[1:], req.PathValue(seg[1:]))
				}
			}
		}))
	}
	for _, r := range rs {
		req := parseRequest(r.method + " " + r.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if req == nil {
			t.Fatalf("%s %s: not parsed", r.method, r.path)
		}
		rt.ServeHTTP(new(mhttp.ResponseWriter), req)
	}
	for _, r := range routers {
		serve := r.prepare(rs, rs)
		for i := range rs {
			serve(i) // a peer that does not route one panics or 404s into discard
		}
	}
}

// parseRequest parses a request head with the server's own parser (which
// package http does not export), or returns nil.
func parseRequest(head string) *mhttp.Request {
	req, err := parsehook.ParseRequest([]byte(head))
	if err != nil || req == nil {
		return nil
	}
	return req.(*mhttp.Request)
}

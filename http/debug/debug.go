// Package debug mounts an HTTP server's health and debug endpoints:
// /healthz, /debug/vars, /debug/pprof/ and the /debug/status page.
//
// It is a package of its own because net/http/pprof registers its handlers
// on net/http's DefaultServeMux when imported: only programs that ask for
// the debug endpoints get that side effect.
package debug

import (
	_ "embed" // the /debug/status page
	"expvar"
	"html"
	stdhttp "net/http"
	"net/http/pprof"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Mount registers s's health and debug endpoints on rt, each
// path under prefix ("" for the root, or e.g. "/admin"):
//
//   - GET prefix+"/healthz": 200 "ok\n", or 503 "draining\n" once a
//     graceful Shutdown has begun (Draining), so a load balancer stops
//     sending new work; that answer closes its connection. text/plain,
//     never cached.
//   - GET prefix+"/debug/vars": every expvar variable as one JSON object
//     (expvar.Handler through Adapt). See Server.PublishExpvar, Vars,
//     PublishRuntimeExpvar and rpc's Server.PublishExpvar for what this
//     package's servers publish.
//   - prefix+"/debug/pprof/...": net/http/pprof through Adapt (the index,
//     profile?seconds=N, heap, goroutine, trace, symbol...), for go tool
//     pprof http://host/debug/pprof/profile.
//   - GET prefix+"/debug/status": a self-contained HTML page, in the spirit
//     of muduo's inspector, that fetches /debug/vars every second and shows
//     this server's counters (the variable this server published with
//     PublishExpvar, or else the first "muduo-http" one), a requests/s
//     sparkline of the last minute, the per-loop table, the TCP servers
//     (tcp.Server.PublishExpvar), the RPC servers' calls by method and
//     errors by code, goroutines and memory. Its numbers carry stable ids
//     (open-connections, requests-total, requests-per-second,
//     responses-2xx, bytes-in, ...) and their exact value in a data-value
//     attribute.
//
// These endpoints expose internals (profiles, command line, memory): mount
// them on a server that only trusted clients can reach, or behind an
// authenticating handler. Register before the server starts, like every
// route. The adapted handlers run on goroutines of their own, so a 30 s
// CPU profile never blocks a loop.
func Mount(s *http.Server, rt *http.Router, prefix string) {
	prefix = strings.TrimSuffix(prefix, "/")
	rt.GET(prefix+"/healthz", healthz(s))
	rt.Handle("GET "+prefix+"/debug/vars", http.Adapt(expvar.Handler()))
	rt.Handle(prefix+"/debug/pprof/", pprofHandler(prefix))
	page := statusPage{srv: s, varsURL: prefix + "/debug/vars"}
	rt.GET(prefix+"/debug/status", page.serve)
}

// healthz answers a health check: ready unless draining.
func healthz(s *http.Server) func(*http.ResponseWriter, *http.Request) {
	return func(w *http.ResponseWriter, _ *http.Request) { serveHealthz(s, w) }
}

func serveHealthz(s *http.Server, w *http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if s.Draining() {
		// The connection's last response, even if the loop has not
		// marked the connection draining yet.
		w.Close()
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.WriteString("draining\n")
		return
	}
	_, _ = w.WriteString("ok\n")
}

// pprofHandler serves net/http/pprof's endpoints, which expect their
// paths to start with /debug/pprof/.
func pprofHandler(prefix string) http.Handler {
	var h stdhttp.Handler = stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		switch strings.TrimPrefix(r.URL.Path, "/debug/pprof/") {
		case "cmdline":
			pprof.Cmdline(w, r)
		case "profile":
			pprof.Profile(w, r)
		case "symbol":
			pprof.Symbol(w, r)
		case "trace":
			pprof.Trace(w, r)
		default:
			pprof.Index(w, r) // the index, and every named profile (heap, goroutine, ...)
		}
	})
	if prefix != "" {
		h = stdhttp.StripPrefix(prefix, h)
	}
	return http.Adapt(h)
}

// statusHTML is the /debug/status page: static HTML and the script that
// polls /debug/vars and renders it. Its only server-side values are the
// markers statusPage.serve replaces, each in an HTML text or double-quoted
// attribute context, where html.EscapeString is all the escaping needed;
// the script reads the variable's name and the /debug/vars URL from the
// <html> element's data- attributes, never from script text. Not
// html/template: text/template calls reflect's Method and MethodByName,
// and a binary that can reach those keeps every exported method of every
// type it links; examples/httpserver was 3.5 MB larger (11.2 MB instead of
// 7.7) with it, most of that resident.
//
//go:embed status.html
var statusHTML string

// statusPage serves /debug/status.
type statusPage struct {
	srv     *http.Server
	varsURL string
}

func (p statusPage) serve(w *http.ResponseWriter, _ *http.Request) {
	// One pass: a replacement is never scanned for markers again. The
	// variable's name is read per request, since PublishExpvar comes
	// after Mount.
	page := strings.NewReplacer(
		"@TITLE@", html.EscapeString(p.srv.Name()),
		"@VARS_URL@", html.EscapeString(p.varsURL),
		"@VAR_NAME@", html.EscapeString(p.srv.ExpvarName()),
	).Replace(statusHTML)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:")
	_, _ = w.WriteString(page)
}

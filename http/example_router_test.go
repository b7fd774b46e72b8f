package http_test

import (
	"log/slog"
	nethttp "net/http"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// A service on the Router: ServeMux patterns, groups with middleware, a
// net/http handler mounted on a pattern, and middleware around everything.
func ExampleRouter() {
	rt := http.NewRouter()
	rt.GET("/users/{id}", func(w *http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.WriteString(`{"id":"` + r.PathValue("id") + `"}`)
	})
	rt.Handle("GET /files/{path...}", http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		_, _ = w.WriteString(r.PathValue("path"))
	}))

	requireToken := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			if r.Header("Authorization") == nil {
				http.WriteError(w, 401)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	admin := rt.Group("/admin", requireToken)
	// A net/http handler: its upload is streamed to it through the
	// middleware, as if it were registered bare.
	admin.Handle("PUT /uploads/{name}", http.Adapt(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		_, _ = w.Write([]byte("stored " + r.PathValue("name")))
	})))

	logStatus := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			slog.Debug("served", "path", r.PathString(), "status", w.Status())
		})
	}
	srv := http.NewServer(rt, http.WithMiddleware(logStatus))
	_ = srv // srv.ListenAndServe(":8080")
}

package http

import (
	"encoding/json"
	"expvar"
	"io"
	stdhttp "net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

type surfaceKey struct{}

// TestSurfaceOverLoopback exercises the small request and response
// helpers a handler calls every day, through Go's client over loopback:
// the method helpers of the Router, Text/Blob/Attachment/Inline, Query,
// QueryParams, FormValue, request values and the remote address a
// middleware sets, Header.Len/Each, and the Server's accessors.
func TestSurfaceOverLoopback(t *testing.T) {
	rt := NewRouter()
	setAddr := netip.MustParseAddrPort("203.0.113.7:4000")
	rt.Use(func(next Handler) Handler {
		return HandlerFunc(func(w *ResponseWriter, r *Request) {
			r.SetValue(surfaceKey{}, "from middleware")
			r.SetRemoteAddr(setAddr)
			next.ServeHTTP(w, r)
		})
	})
	rt.HEAD("/head", func(w *ResponseWriter, _ *Request) { w.Header().Set("X-Head", "1") })
	rt.PUT("/put", func(w *ResponseWriter, r *Request) { w.Text(StatusOK, "put "+string(r.Body())) })
	rt.PATCH("/patch", func(w *ResponseWriter, r *Request) {
		w.Blob(StatusOK, "application/octet-stream", append([]byte("patch "), r.MethodBytes()...))
	})
	rt.DELETE("/delete", func(w *ResponseWriter, _ *Request) { w.WriteHeader(StatusNoContent) })
	rt.OPTIONS("/options", func(w *ResponseWriter, _ *Request) { w.Header().Set("Allow", "GET"); w.WriteHeader(StatusNoContent) })
	rt.GET("/download", func(w *ResponseWriter, _ *Request) {
		w.Attachment("dir/résumé.txt")
		w.Text(StatusOK, "file")
	})
	rt.GET("/inline", func(w *ResponseWriter, _ *Request) {
		w.Inline("a.txt")
		w.Text(StatusOK, "file")
	})
	rt.GET("/info", func(w *ResponseWriter, r *Request) {
		n, _ := r.QueryParams().Int("n", 0)
		w.Header().Set("X-One", "1")
		w.Header().Set("X-Two", "2")
		var names []string
		w.Header().Each(func(name, _ string) { names = append(names, name) })
		_ = w.JSON(StatusOK, map[string]any{
			"q":        r.Query("q"),
			"n":        n,
			"value":    r.Value(surfaceKey{}),
			"remote":   r.RemoteAddr().String(),
			"conn":     r.ConnRemoteAddr().Addr().String(),
			"detached": w.Detached(),
			"sent":     w.HeaderSent(),
			"fields":   w.Header().Len(),
			"names":    strings.Join(names, ","),
		})
	})
	rt.POST("/form", func(w *ResponseWriter, r *Request) {
		w.Text(StatusOK, r.FormValue("a")+"|"+r.FormValue("q"))
	})
	s := startServer(t, rt, WithName("surface"), WithTCPOptions())
	if s.TCP() == nil || s.Logger() == nil {
		t.Fatal("TCP() or Logger() is nil")
	}
	base := "http://" + s.Addr().String()
	tr := &stdhttp.Transport{}
	defer tr.CloseIdleConnections()
	cl := &stdhttp.Client{Transport: tr, Timeout: guard}
	do := func(method, path, ct, body string) (*stdhttp.Response, string) {
		t.Helper()
		req, _ := stdhttp.NewRequest(method, base+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	if r, _ := do("HEAD", "/head", "", ""); r.StatusCode != 200 || r.Header.Get("X-Head") != "1" {
		t.Fatalf("HEAD /head: %d %v", r.StatusCode, r.Header)
	}
	if r, b := do("PUT", "/put", "text/plain", "x"); r.StatusCode != 200 || b != "put x" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("PUT /put: %d %q %v", r.StatusCode, b, r.Header)
	}
	if r, b := do("PATCH", "/patch", "", ""); r.StatusCode != 200 || b != "patch PATCH" || r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("PATCH /patch: %d %q", r.StatusCode, b)
	}
	if r, _ := do("DELETE", "/delete", "", ""); r.StatusCode != 204 {
		t.Fatalf("DELETE /delete: %d", r.StatusCode)
	}
	if r, _ := do("OPTIONS", "/options", "", ""); r.StatusCode != 204 || r.Header.Get("Allow") != "GET" {
		t.Fatalf("OPTIONS /options: %d %v", r.StatusCode, r.Header)
	}
	r, _ := do("GET", "/download", "", "")
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=r_sum_.txt; ") || !strings.Contains(cd, "filename*=utf-8''r%C3%A9sum%C3%A9.txt") {
		t.Fatalf("Attachment: %q", cd)
	}
	if r, _ := do("GET", "/inline", "", ""); r.Header.Get("Content-Disposition") != "inline; filename=a.txt" {
		t.Fatalf("Inline: %q", r.Header.Get("Content-Disposition"))
	}

	_, b := do("GET", "/info?q=go%20lang&n=42", "", "")
	var info map[string]any
	if err := json.Unmarshal([]byte(b), &info); err != nil {
		t.Fatalf("/info: %q: %v", b, err)
	}
	want := map[string]any{"q": "go lang", "n": 42.0, "value": "from middleware", "remote": setAddr.String(),
		"conn": "127.0.0.1", "detached": false, "sent": false, "fields": 2.0, "names": "X-One,X-Two"}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("/info %s = %v, want %v (all: %s)", k, info[k], v, b)
		}
	}
	if _, b := do("POST", "/form?q=query", "application/x-www-form-urlencoded", url.Values{"a": {"body"}}.Encode()); b != "body|query" {
		t.Fatalf("FormValue: %q", b)
	}
}

// TestStatsHandlerAndExpvar: StatsHandler serves the counters as JSON and
// PublishExpvar publishes the same under a name, read afresh.
func TestStatsHandlerAndExpvar(t *testing.T) {
	rt := NewRouter()
	rt.GET("/x", func(w *ResponseWriter, _ *Request) { w.Text(StatusOK, "x") })
	s := NewServer(rt, WithLogger(quietLogger))
	rt.GET("/stats", s.StatsHandler())
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	name := "surface_test_" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "_")
	if err := s.PublishExpvar(name); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishExpvar(name); err == nil {
		t.Fatal("publishing the same name twice succeeded")
	}
	c := dial(t, s)
	c.send(get("/x"))
	c.expectStatus("GET", 200)
	c.send(get("/stats"))
	if r := c.expectStatus("GET", 200); !strings.Contains(string(r.body), "{") {
		t.Fatalf("/stats: %q", r.body)
	}
	v := expvar.Get(name)
	if v == nil {
		t.Fatalf("%s not published", name)
	}
	var vars map[string]any
	if err := json.Unmarshal([]byte(v.String()), &vars); err != nil {
		t.Fatalf("expvar %s: %v", name, err)
	}
	if len(vars) == 0 {
		t.Fatalf("expvar %s is empty", name)
	}
}

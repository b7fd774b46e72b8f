package debug_test

import (
	"bufio"
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/debug"
)

// varSeq makes expvar names unique: they are process-wide and permanent.
var varSeq atomic.Int64

func uniqueVar(prefix string) string { return fmt.Sprintf("%s_%d", prefix, varSeq.Add(1)) }

// debugServer starts a server with GET /hello and the debug routes under
// prefix, published under a fresh expvar name.
func debugServer(t *testing.T, prefix string, opts ...http.Option) (*http.Server, string, string) {
	t.Helper()
	rt := http.NewRouter()
	rt.GET("/hello", func(w *http.ResponseWriter, _ *http.Request) { _, _ = w.WriteString("hello") })
	opts = append([]http.Option{http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	srv := http.NewServer(rt, opts...)
	debug.Mount(srv, rt, prefix)
	if err := srv.PublishExpvar("never"); err == nil {
		t.Fatal("PublishExpvar before Start succeeded")
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	name := uniqueVar("muduo_http_test")
	if err := srv.PublishExpvar(name); err != nil {
		t.Fatal(err)
	}
	http.PublishRuntimeExpvar()
	return srv, "http://" + srv.Addr().String(), name
}

func fetch(t *testing.T, cl *nethttp.Client, url string) (*nethttp.Response, string) {
	t.Helper()
	resp, err := cl.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, string(b)
}

func newClient(t *testing.T) *nethttp.Client {
	tr := &nethttp.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &nethttp.Client{Transport: tr, Timeout: 20 * time.Second}
}

// TestPublishExpvarCounts: after N requests the published variable and
// /debug/vars say so, and agree with Stats.
func TestPublishExpvarCounts(t *testing.T) {
	srv, base, name := debugServer(t, "", http.WithLoops(2))
	if err := srv.PublishExpvar(name); err == nil {
		t.Fatal("second PublishExpvar under one name succeeded")
	}
	cl := newClient(t)
	const ok, missing = 20, 5
	for range ok {
		if r, _ := fetch(t, cl, base+"/hello"); r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
	}
	for range missing {
		if r, _ := fetch(t, cl, base+"/missing"); r.StatusCode != 404 {
			t.Fatalf("status %d", r.StatusCode)
		}
	}
	var v http.Vars
	if err := json.Unmarshal([]byte(expvar.Get(name).String()), &v); err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if v.Kind != http.ExpvarKind || v.Addr != srv.Addr().String() || v.Requests != ok+missing ||
		v.Responses != [5]uint64{0, ok, 0, missing, 0} || st.Requests != v.Requests {
		t.Fatalf("published %+v", v)
	}
	if v.Open != 1 || v.Accepted != 1 || v.Closed != 0 || v.BytesIn == 0 || v.BytesOut == 0 {
		t.Fatalf("connections/bytes %+v", v.Stats)
	}
	if len(v.TCPLoops) != 2 || len(v.Loops) != 2 {
		t.Fatalf("loops %+v / %+v", v.Loops, v.TCPLoops)
	}
	var open int64
	var in uint64
	for _, l := range v.TCPLoops {
		open += l.Open
		in += l.BytesIn
	}
	if open != 1 || in < v.BytesIn {
		t.Fatalf("tcp loops %+v", v.TCPLoops)
	}

	// The same through /debug/vars, with the runtime variables next to it.
	_, body := fetch(t, cl, base+"/debug/vars")
	var all map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &all); err != nil {
		t.Fatalf("%v: %.200s", err, body)
	}
	for _, k := range []string{"goroutines", "gomaxprocs", "rss_bytes", "memstats", "cmdline", name} {
		if all[k] == nil {
			t.Fatalf("/debug/vars lacks %q", k)
		}
	}
	var g, rss int64
	_ = json.Unmarshal(all["goroutines"], &g)
	_ = json.Unmarshal(all["rss_bytes"], &rss)
	if g < 2 || rss <= 0 {
		t.Fatalf("goroutines %d rss %d", g, rss)
	}
	if err := json.Unmarshal(all[name], &v); err != nil {
		t.Fatal(err)
	}
	if v.Requests != ok+missing+1 { // this request counts itself
		t.Fatalf("requests %d", v.Requests)
	}
	// Reading the stats queued a queue-delay probe on each loop; once one
	// has run, a later read reports its delay. Polled, with a failure
	// bound: a probe that never runs fails the test.
	probeDeadline := time.Now().Add(10 * time.Second)
	for srv.Vars().QueueDelayMax <= 0 {
		if time.Now().After(probeDeadline) {
			t.Fatalf("queue delay %v: no probe ran", srv.Vars().QueueDelayMax)
		}
		time.Sleep(time.Millisecond)
	}
	http.PublishRuntimeExpvar() // idempotent
}

// TestHealthzDraining: /healthz is 200 "ok" while serving and 503
// "draining" once Shutdown has begun.
func TestHealthzDraining(t *testing.T) {
	// The drain grace keeps the connection below open even if the loop has
	// not read its first bytes when Shutdown starts (it then looks idle):
	// without it the test would race the first read, which on the portable
	// backend comes one goroutine hop after the accept.
	srv, base, _ := debugServer(t, "", http.WithDrainIdleGrace(15*time.Second))
	cl := newClient(t)
	if r, body := fetch(t, cl, base+"/healthz"); r.StatusCode != 200 || body != "ok\n" ||
		r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %q %v", r.StatusCode, body, r.Header)
	}
	cl.Transport.(*nethttp.Transport).CloseIdleConnections()

	// A health check whose head is still arriving when Shutdown begins is
	// answered, with the news.
	nc, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(nc, "GET /healthz HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Open != 1 {
		if time.Now().After(deadline) {
			t.Fatal("connection not seen")
		}
		time.Sleep(time.Millisecond)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	for !srv.Draining() {
		if time.Now().After(deadline) {
			t.Fatal("not draining")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := io.WriteString(nc, "Host: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r, err := nethttp.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 503 || string(body) != "draining\n" || !r.Close {
		t.Fatalf("%d %q close=%v", r.StatusCode, body, r.Close)
	}
	_ = nc.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPprofThroughAdapter: net/http/pprof works on the reactor through
// Adapt, at the root and under a prefix.
func TestPprofThroughAdapter(t *testing.T) {
	for _, prefix := range []string{"", "/admin"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			_, base, _ := debugServer(t, prefix)
			base += prefix
			cl := newClient(t)
			r, body := fetch(t, cl, base+"/debug/pprof/")
			if r.StatusCode != 200 || !strings.Contains(body, "heap") || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("index: %d %.200s", r.StatusCode, body)
			}
			r, body = fetch(t, cl, base+"/debug/pprof/heap")
			if r.StatusCode != 200 || !strings.HasPrefix(body, "\x1f\x8b") {
				t.Fatalf("heap: %d %q %.20q", r.StatusCode, r.Header.Get("Content-Type"), body)
			}
			r, body = fetch(t, cl, base+"/debug/pprof/goroutine?debug=1")
			if r.StatusCode != 200 || !strings.Contains(body, "goroutine profile:") {
				t.Fatalf("goroutine: %d %.200s", r.StatusCode, body)
			}
			r, body = fetch(t, cl, base+"/debug/pprof/cmdline")
			if r.StatusCode != 200 || !strings.Contains(body, ".test") {
				t.Fatalf("cmdline: %d %.200s", r.StatusCode, body)
			}
			if prefix == "" {
				start := time.Now()
				r, body = fetch(t, cl, base+"/debug/pprof/profile?seconds=1")
				if r.StatusCode != 200 || !strings.HasPrefix(body, "\x1f\x8b") || time.Since(start) < time.Second {
					t.Fatalf("profile: %d %.200q", r.StatusCode, body)
				}
			}
			if r, _ := fetch(t, cl, base+"/debug/pprof/nosuch"); r.StatusCode != 404 {
				t.Fatalf("unknown profile: %d", r.StatusCode)
			}
			if r, body := fetch(t, cl, base+"/healthz"); r.StatusCode != 200 || body != "ok\n" {
				t.Fatalf("healthz: %d %q", r.StatusCode, body)
			}
		})
	}
}

// TestDebugRoutesLeaveOthersAlone: unknown paths stay 404 and a debug
// path with the wrong method is 405.
func TestDebugRoutesLeaveOthersAlone(t *testing.T) {
	_, base, _ := debugServer(t, "")
	cl := newClient(t)
	for path, want := range map[string]int{"/debug": 404, "/debug/": 404, "/debug/varsx": 404, "/healthzz": 404, "/hello": 200} {
		if r, _ := fetch(t, cl, base+path); r.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, r.StatusCode, want)
		}
	}
	r, err := cl.Post(base+"/healthz", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != 405 {
		t.Fatalf("POST /healthz: %d", r.StatusCode)
	}
}

// TestStatusPageEscapes: the server's name, the /debug/vars URL (under a
// prefix) and the variable's name reach /debug/status HTML-escaped, in
// the title, the heading and the <html> element's data- attributes the
// script reads; the name is read per request (PublishExpvar comes after
// Mount) and no marker is left.
func TestStatusPageEscapes(t *testing.T) {
	rt := http.NewRouter()
	srv := http.NewServer(rt, http.WithName(`srv<script>alert("x")</script>&'`),
		http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	debug.Mount(srv, rt, "/admin/")
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cl := newClient(t)
	url := "http://" + srv.Addr().String() + "/admin/debug/status"
	check := func(escapedVar string) {
		t.Helper()
		r, body := fetch(t, cl, url)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			r.Header.Get("Cache-Control") != "no-store" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
			t.Fatalf("%d %v", r.StatusCode, r.Header)
		}
		const title = `srv&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#39;`
		for _, want := range []string{
			`<title>` + title + ` - status</title>`, `<h1>` + title + ` <span`,
			`data-vars-url="/admin/debug/vars"`, `data-var-name="` + escapedVar + `"`,
			`id="open-connections"`, `id="responses-5xx"`, `id="num-gc"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		if strings.Contains(body, "<script>alert") || regexp.MustCompile(`@[A-Z_]+@`).MatchString(body) {
			t.Errorf("unescaped name or marker left:\n%s", body)
		}
	}
	check("")
	name := uniqueVar(`muduo_http_"<&>'`)
	if err := srv.PublishExpvar(name); err != nil {
		t.Fatal(err)
	}
	check(strings.NewReplacer(`"`, "&#34;", "<", "&lt;", "&", "&amp;", ">", "&gt;", "'", "&#39;").Replace(name))
}

// TestNoTemplates: the package does not link text/template (html/template
// included). Beyond its own size, text/template calls reflect's
// Method/MethodByName, and a binary that can reach those keeps every
// exported method of every type it links: examples/httpserver went from
// 11.2 MB to 7.7 MB, and its RSS by 1.6 MiB, when the status page stopped
// using html/template.
func TestNoTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no go list")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but there is no go command in PATH")
		}
		t.Skip("no go command in PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "text/template" || p == "html/template" {
			t.Errorf("http/debug depends on %s", p)
		}
	}
}

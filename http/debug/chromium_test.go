package debug_test

import (
	"bytes"
	"context"
	"encoding/json"
	"expvar"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/debug"
	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// chromiumArgs are the flags of the headless run that loads /debug/status:
// no sandbox (CI runs as root), no network but the page's own, a throwaway
// profile, and 5 s of virtual time (about five polls of /debug/vars, run
// as fast as the server answers) before the DOM is printed.
func chromiumArgs(profile, url string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile,
		"--virtual-time-budget=5000", "--dump-dom", url,
	}
}

// TestDebugStatusChromium loads /debug/status in headless Chromium and
// checks that the numbers its script rendered from /debug/vars match the
// server's counters.
func TestDebugStatusChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but there is no chromium binary in PATH (.ci/run installs it): /debug/status is not checked in a browser")
		}
		t.Skip("no chromium binary in PATH (apt-get install chromium): /debug/status is not checked in a browser")
	}
	if testing.Short() {
		t.Skip("-short: no browser run")
	}
	rs := testrpc.Demo(t, rpc.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer rs.Close()
	rpcVar := uniqueVar("muduo_rpc_chromium")
	if err := rs.PublishExpvar(rpcVar); err != nil {
		t.Fatal(err)
	}
	rt := http.NewRouter()
	rt.GET("/hello", func(w *http.ResponseWriter, _ *http.Request) { _, _ = w.WriteString("hello") })
	rt.Handle("/rpc", rs.HTTPHandler())
	// The held connections below send nothing: the header and idle
	// timeouts outlast the browser run (up to 90 s on a loaded machine,
	// where chromium took 25 s and the default 10 s closed them).
	srv := http.NewServer(rt, http.WithLoops(2), http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		http.WithHeaderTimeout(2*time.Minute), http.WithIdleTimeout(2*time.Minute))
	debug.Mount(srv, rt, "")
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// Another server's variable first in name order: the page must pick
	// its own server's.
	expvar.Publish(uniqueVar("muduo_http_a_decoy"), expvar.Func(func() any {
		return map[string]any{"kind": http.ExpvarKind, "requests": 999999}
	}))
	if err := srv.PublishExpvar(uniqueVar("muduo_http_chromium")); err != nil {
		t.Fatal(err)
	}
	http.PublishRuntimeExpvar()
	base := "http://" + srv.Addr().String()

	// A bare TCP server with one connection, shown in its own table.
	ts := tcp.NewServer(tcp.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := ts.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	tcpVar := uniqueVar("muduo_tcp_chromium")
	if err := ts.PublishExpvar(tcpVar); err != nil {
		t.Fatal(err)
	}
	tc, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()

	cl := newClient(t)
	const n = 30
	for range n {
		fetch(t, cl, base+"/hello")
	}
	fetch(t, cl, base+"/nosuch")
	for _, body := range []string{
		`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}`,
		`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":2}`,
		`{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":1,"b":0},"id":3}`,
		`{"jsonrpc":"2.0","method":"No.Such","id":4}`,
	} {
		r, err := cl.Post(base+"/rpc", rpc.ContentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	// Connections held open while the browser looks.
	const held = 3
	for range held {
		nc, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Open != held+1 || ts.Vars().Open != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("open %d, want %d", srv.Stats().Open, held+1)
		}
		time.Sleep(time.Millisecond)
	}
	before := srv.Stats()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, chromiumArgs(t.TempDir(), base+"/debug/status")...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String()))
	}
	dom := stdout.String()
	after := srv.Stats()
	num := func(id string) int64 {
		t.Helper()
		v, ok := dataValue(dom, `id="`+id+`"`)
		if !ok {
			t.Fatalf("no number with id %q in the page:\n%s\nchromium stderr:\n%s", id, dom, tail(stderr.String()))
		}
		return int64(v)
	}
	samples := num("samples")
	if samples < 2 {
		t.Fatalf("the page polled /debug/vars %d times in 5 s of virtual time", samples)
	}
	// Each snapshot counts its own request: the page itself, then one per
	// poll, all on top of what the test sent.
	if got, want := num("requests-total"), int64(before.Requests)+1+samples; got != want {
		t.Errorf("requests-total %d, want %d", got, want)
	}
	if before.Requests != n+1+4+0 {
		t.Errorf("server counted %d requests before the browser, want %d", before.Requests, n+5)
	}
	// The last poll's own response is not counted yet when it is read.
	if got, want := num("responses-2xx"), int64(before.Responses[1])+samples; got != want {
		t.Errorf("responses-2xx %d, want %d", got, want)
	}
	if got, want := num("responses-4xx"), int64(before.Responses[3]); got != want {
		t.Errorf("responses-4xx %d, want %d", got, want)
	}
	open, acc, closed := num("open-connections"), num("connections-accepted"), num("connections-closed")
	if open != acc-closed || open < held+2 || acc < int64(before.Accepted)+1 || acc > int64(after.Accepted) {
		t.Errorf("open %d accepted %d closed %d; before %+v after %+v", open, acc, closed, before, after)
	}
	if in := num("bytes-in"); in <= int64(before.BytesIn) || in > int64(after.BytesIn) {
		t.Errorf("bytes-in %d, server %d..%d", in, before.BytesIn, after.BytesIn)
	}
	if g := num("goroutines"); g < 4 {
		t.Errorf("goroutines %d", g)
	}
	if rss := num("rss-bytes"); rss <= 0 {
		t.Errorf("rss %d", rss)
	}
	num("requests-per-second")
	if got := strings.Count(dom, "data-loop="); got != 2 {
		t.Errorf("%d loop rows, want 2", got)
	}
	if m := regexp.MustCompile(`id="rps-line"[^>]*points="([^"]+)"`).FindStringSubmatch(dom); m == nil || len(strings.Fields(m[1])) < 1 {
		t.Errorf("empty sparkline")
	}
	// RPC: the totals are over every RPC variable in the process (earlier
	// tests' stay published), the tables per variable.
	var calls, errs int64
	expvar.Do(func(kv expvar.KeyValue) {
		var v struct {
			Kind string `json:"kind"`
			rpc.Stats
		}
		if json.Unmarshal([]byte(kv.Value.String()), &v) == nil && v.Kind == rpc.ExpvarKind {
			calls, errs = calls+int64(v.Calls), errs+int64(v.ErrorsTotal)
		}
	})
	if got := num("rpc-calls-total"); got != calls {
		t.Errorf("rpc-calls-total %d, want %d", got, calls)
	}
	if got := num("rpc-errors-total"); got != errs {
		t.Errorf("rpc-errors-total %d, want %d", got, errs)
	}
	rpcTable := dom[max(strings.Index(dom, `data-rpc="`+rpcVar+`"`), 0):]
	for sel, want := range map[string]int64{
		`data-method="Arith.Add"|calls`: 2, `data-method="Arith.Div"|calls`: 1, `data-method="Arith.Div"|errors`: 1,
		`data-method="Echo.Echo"|calls`: 0, `data-error="method_not_found"|count`: 1, `data-error="application"|count`: 1,
	} {
		row, class, _ := strings.Cut(sel, "|")
		if got, ok := rowValue(rpcTable, row, class); !ok || got != float64(want) {
			t.Errorf("%s %s: %v (found %v), want %d", rpcVar, sel, got, ok, want)
		}
	}
	for class, want := range map[string]float64{"open": 1, "accepted": 1, "closed": 0} {
		if got, ok := rowValue(dom, `data-tcp="`+tcpVar+`"`, class); !ok || got != want {
			t.Errorf("%s %s: %v (found %v), want %v", tcpVar, class, got, ok, want)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", dom)
	}
}

var dataValueRe = regexp.MustCompile(`data-value="([-0-9.e+]+)"`)

// dataValue returns the data-value of the element whose start tag holds
// attr.
func dataValue(dom, attr string) (float64, bool) {
	i := strings.Index(dom, attr)
	if i < 0 {
		return 0, false
	}
	start := strings.LastIndexByte(dom[:i], '<')
	end := strings.IndexByte(dom[i:], '>')
	if start < 0 || end < 0 {
		return 0, false
	}
	m := dataValueRe.FindStringSubmatch(dom[start : i+end])
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// rowValue returns the data-value of the cell of class class in the table
// row whose start tag holds attr.
func rowValue(dom, attr, class string) (float64, bool) {
	i := strings.Index(dom, attr)
	if i < 0 {
		return 0, false
	}
	row := dom[i:]
	if j := strings.Index(row, "</tr>"); j >= 0 {
		row = row[:j]
	}
	return dataValue(row, `class="`+class+`"`)
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

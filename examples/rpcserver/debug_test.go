package main

import (
	"bufio"
	"encoding/json"
	"expvar"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/debug"
	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// TestDebugVars sets the command's servers up as main does and checks
// /debug/vars after calls over both transports, /healthz, and that the
// contract routes are unchanged.
func TestDebugVars(t *testing.T) {
	if expvar.Get(RPCVarsName) != nil {
		t.Skip("the variables are already published in this process (-count > 1)")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := testrpc.Demo(t, rpc.WithLogger(quiet))
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv, rpc.WithTCPOptions(tcp.WithLoops(2), tcp.WithLogger(quiet)))
	defer ts.Close()
	rt := NewRouter(srv)
	hs := http.NewServer(rt, http.WithLogger(quiet))
	debug.Mount(hs, rt, "")
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	publishVars(srv, ts, hs)
	base := "http://" + hs.Addr().String()

	// Over TCP: two Adds, a Div by zero, an unknown method.
	nc, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	br := bufio.NewReader(nc)
	for _, req := range []string{
		`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}`,
		`{"jsonrpc":"2.0","method":"Arith.Add","params":[{"a":1,"b":2}],"id":2}`,
		`{"jsonrpc":"2.0","method":"Arith.Div","params":{"a":1,"b":0},"id":3}`,
		`{"jsonrpc":"2.0","method":"Nope","id":4}`,
	} {
		if _, err := io.WriteString(nc, req+"\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	// Over HTTP: an Echo (worker pool).
	tr := &nethttp.Transport{}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: 15 * time.Second}
	get := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := nethttp.NewRequest(method, base+path, strings.NewReader(body))
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := get("POST", "/rpc", `{"jsonrpc":"2.0","method":"Echo.Echo","params":[7],"id":1}`); st != 200 || !strings.Contains(body, `"result":[7]`) {
		t.Fatalf("POST /rpc: %d %s", st, body)
	}
	for path, want := range map[string]int{"/rpc": 405, "/nothing": 404, "/healthz": 200, "/debug/status": 200, "/debug/pprof/": 200} {
		if st, _ := get("GET", path, ""); st != want {
			t.Errorf("GET %s: %d, want %d", path, st, want)
		}
	}

	_, body := get("GET", "/debug/vars", "")
	var vars struct {
		Goroutines int             `json:"goroutines"`
		RPC        rpc.Stats       `json:"muduo_rpc"`
		TCP        tcp.Vars        `json:"muduo_rpc_tcp"`
		HTTP       http.Vars       `json:"muduo_http"`
		Memstats   json.RawMessage `json:"memstats"`
	}
	if err := json.Unmarshal([]byte(body), &vars); err != nil {
		t.Fatalf("%v: %.300s", err, body)
	}
	r := vars.RPC
	if r.Methods["Arith.Add"].Calls != 2 || r.Methods["Arith.Div"] != (rpc.MethodStats{Calls: 1, Errors: 1}) ||
		r.Methods["Echo.Echo"].Calls != 1 || r.Errors.MethodNotFound != 1 || r.Errors.Application != 1 || r.Calls != 4 {
		t.Errorf("muduo_rpc: %+v", r)
	}
	if v := vars.TCP; v.Kind != tcp.ExpvarKind || v.Open != 1 || v.Accepted != 1 || v.BytesIn == 0 || len(v.Loops) != 2 {
		t.Errorf("muduo_rpc_tcp: %+v", v)
	}
	// Seven requests so far, this one included (its 200 is not counted yet).
	if v := vars.HTTP; v.Kind != http.ExpvarKind || v.Requests != 7 || v.Responses[1] != 4 || v.Responses[3] != 2 {
		t.Errorf("muduo_http: %+v", v.Stats)
	}
	if vars.Goroutines < 2 || vars.Memstats == nil {
		t.Errorf("runtime: %d goroutines, memstats %v", vars.Goroutines, vars.Memstats != nil)
	}
}

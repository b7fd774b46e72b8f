// Command chaos is the fault and soak campaign for examples/httpserver and
// examples/rpcserver: it builds both (from the working tree, uncommitted
// changes included, or with -ref from a git archive of a commit), drives
// them at once for -duration with well-behaved clients whose every response
// is verified byte for byte and with hostile ones (slowloris, resets,
// half-close, clients that never read, oversized and garbage input,
// connection floods, hostile JSON-RPC), WebSocket clients on both (verified
// echoes raw and through gorilla's client with permessage-deflate, Ticker
// subscriptions counted; unmasked frames, endless fragments and a
// subscriber that never reads, each to be closed with its code), samples
// RSS, fds, threads and
// /debug/vars every second, and checks the pass criteria itself:
//
//   - no wrong, missing or late response to a well-formed request;
//   - no server panic (both alive at the end, no "panic" in their output);
//   - RSS grows less than 10% from the warm-up (first 20%) to the end;
//   - fds and goroutines back to their pre-load baseline within 5 s;
//   - hostile connections closed by the server within its timeouts;
//   - every client kind verified at least one response;
//   - each server exits 0 within 5 s of SIGTERM (its graceful drain).
//
// It writes chaos.csv, vars.csv and chaos.png to -out and exits non-zero
// when a criterion fails. Loopback only; everything bounded in time.
//
//	cd benchmarks && go run ./chaos -duration 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	duration = flag.Duration("duration", 60*time.Second, "how long the load runs")
	outDir   = flag.String("out", "results/chaos", "directory for chaos.csv, vars.csv and chaos.png")
	seed     = flag.Uint64("seed", 0, "random seed (0: from the clock; printed)")
	verbose  = flag.Bool("verbose", false, "log floods and show up to 40 failures")
	ref      = flag.String("ref", "", `git ref the examples are built from ("": the working tree, uncommitted changes included)`)
	xfailArg = flag.String("xfail", "", "comma-separated client kinds whose failures are known server bugs: reported, not fatal")
)

func main() {
	flag.Parse()
	if b, err := os.ReadFile("go.mod"); err != nil || !strings.Contains(string(b), "module github.com/seed08ffa9f8/muduo-go/benchmarks") {
		fatalf("run from the benchmarks directory: cd benchmarks && go run ./chaos")
	}
	if *duration < 10*time.Second {
		fatalf("-duration must be at least 10s")
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	_ = os.MkdirAll("bin", 0o755)
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fatalf("%v", err)
	}
	raiseNofile()
	servers := startAll()
	defer func() {
		for _, s := range servers {
			s.stop(time.Second)
		}
	}()
	httpS, rpcS, httpsS := servers[0], servers[1], servers[2]

	st := newStats()
	for x := range strings.SplitSeq(*xfailArg, ",") {
		if x = strings.TrimSpace(x); x != "" {
			st.markXfail(x)
		}
	}
	e := &env{st: st, httpAddr: httpS.addrs["http"], httpsAddr: httpsS.addrs["https"], rpcTCP: rpcS.addrs["tcp"], rpcHTTP: rpcS.addrs["http"], seed: *seed, verbose: *verbose}
	prewarm(e)
	time.Sleep(1500 * time.Millisecond)

	st.start = time.Now()
	smp := &sampler{servers: servers, st: st}
	base := smp.take("baseline")
	for _, s := range servers {
		s.baseFd = fdKinds(s.pid)
	}
	logf("baseline: %s; seed %d; load for %v", describe(servers, base), *seed, *duration)

	st.start = time.Now()
	e.end = st.start.Add(*duration)
	ctx, cancel := context.WithDeadline(context.Background(), e.end)
	defer cancel()
	var phase atomic.Value
	phase.Store("load")
	stopSampling := make(chan struct{})
	go smp.run(func() string { return phase.Load().(string) }, stopSampling)
	clientsDone := startClients(ctx, e, servers)

	progress(ctx, st, servers)
	loadEnd := time.Since(st.start)
	phase.Store("cooldown")
	select { // every client is bounded by respDeadline; allow a margin
	case <-clientsDone:
	case <-time.After(respDeadline + 3*time.Second):
		st.failf(st.kind("tool"), nil, nil, "clients still running %v after the load stopped", respDeadline+3*time.Second)
	}
	stopAt := time.Now()
	back := waitBaseline(smp, base, 5*time.Second)
	close(stopSampling)
	smp.take("cooldown")

	v := judge(e, servers, smp.all(), base, loadEnd, back, time.Since(stopAt))
	for _, s := range servers {
		start := time.Now()
		drained := s.stop(5 * time.Second)
		how := "still running, killed"
		if s.state != nil && time.Since(start) < 5*time.Second {
			how = s.state.String()
		}
		v.check(drained, "%s: exits 0 within 5 s of SIGTERM (graceful drain): %s after %v", s.name, how, time.Since(start).Round(10*time.Millisecond))
	}
	samples := smp.all()
	if err := writeCSV(*outDir, servers, samples); err != nil {
		logf("writing CSV: %v", err)
	}
	png := filepath.Join(*outDir, "chaos.png")
	if err := writePlot(png, servers, samples, loadEnd.Seconds()); err != nil {
		logf("writing plot: %v", err)
	}
	abs, _ := filepath.Abs(*outDir)
	fmt.Print(st.report(*verbose))
	fmt.Printf("results: %s/{chaos.csv,vars.csv,chaos.png}\n", abs)
	if !v.print() {
		os.Exit(1)
	}
}

// startAll builds and starts both examples on free loopback ports.
func startAll() []*server {
	src, err := sourceDir(*ref)
	if err != nil {
		fatalf("%v", err)
	}
	var bins [2]string
	var errs [2]error
	var wg sync.WaitGroup
	for i, pkg := range []string{"./examples/httpserver", "./examples/rpcserver"} {
		wg.Go(func() { bins[i], errs[i] = buildExample(src, pkg, "chaos-"+filepath.Base(pkg)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fatalf("%v", err)
		}
	}
	ha, _ := freePort()
	ta, _ := freePort()
	ra, _ := freePort()
	sa, _ := freePort()
	hs, err := startServer("httpserver", bins[0], []string{"-addr", ha}, map[string]string{"http": ha})
	if err != nil {
		fatalf("%v", err)
	}
	rs, err := startServer("rpcserver", bins[1], []string{"-tcp", ta, "-http", ra}, map[string]string{"tcp": ta, "http": ra})
	if err != nil {
		hs.stop(time.Second)
		fatalf("%v", err)
	}
	ss, err := startServer("httpsserver", bins[0], []string{"-addr", sa, "-tls-self-signed"}, map[string]string{"https": sa})
	if err != nil {
		hs.stop(time.Second)
		rs.stop(time.Second)
		fatalf("%v", err)
	}
	for _, s := range []*server{hs, rs, ss} {
		base := "http://" + s.addrs["http"]
		if a := s.addrs["https"]; a != "" {
			base = "https://" + a
		}
		if _, err := debugVars(base); err != nil {
			s.varsErr = err
			logf("%s: /debug/vars unusable (%v): sampling /proc only, goroutines not checked (a FAIL in the verdict)", s.name, err)
		} else {
			s.varsAt = base
		}
		if s.healthCode = healthz(base); s.healthCode != 200 {
			logf("%s: GET /healthz answered %d (0: unreachable); liveness from the process only (a FAIL in the verdict)", s.name, s.healthCode)
		}
	}
	return []*server{hs, rs, ss}
}

// prewarm sends one request of each well-behaved kind (Echo.Echo starts
// the rpc worker pool) so the baseline is the server at rest after use.
func prewarm(e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	rng := newRnd(e.seed, 0)
	k := e.st.kind("prewarm")
	for _, addr := range []string{e.httpAddr, e.rpcHTTP} {
		c, err := dial(ctx, addr)
		if err != nil {
			fatalf("prewarm: %v", err)
		}
		r := randomHTTPReq(rng, true)
		if addr == e.rpcHTTP {
			call := randomCall(rng, 1, false, true)
			r = httpReq{wire: fmt.Appendf(nil, "POST /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(call.text), call.text),
				exp: expect{status: "200 OK", ctype: "application/json", body: call.reply, close: true}}
		}
		exchange(e, k, c, newReader(c), []httpReq{r})
		c.Close()
	}
	c, err := dial(ctx, e.rpcTCP)
	if err != nil {
		fatalf("prewarm: %v", err)
	}
	call := randomCall(rng, 1, false, true)
	rpcExchange(e, k, c, newReader(c), append(call.text, '\n'), map[string]rpcText{call.id: {text: call.text, calls: []rpcCall{call}}}, 1, false)
	c.Close()
}

// startClients launches every client kind; the channel closes when all
// have returned.
func startClients(ctx context.Context, e *env, servers []*server) <-chan struct{} {
	var wg sync.WaitGroup
	stream := 1
	spawn := func(n int, f func(context.Context, *env, *rnd)) {
		for range n {
			rng := newRnd(e.seed, stream)
			stream++
			wg.Go(func() { f(ctx, e, rng) })
		}
	}
	// Well-behaved.
	spawn(4, keepAliveClient)
	spawn(2, pipelineClient)
	spawn(2, chunkedClient)
	spawn(2, netHTTPClient)
	spawn(3, rpcTCPClient)
	spawn(2, rpcHTTPClient)
	spawn(1, rpcLargeClient)
	spawn(2, halfCloseClient)
	spawn(1, func(ctx context.Context, e *env, r *rnd) { rpcHalfCloseClient(ctx, e, r, false) })
	spawn(1, func(ctx context.Context, e *env, r *rnd) { rpcHalfCloseClient(ctx, e, r, true) })
	spawn(1, rpcHTTPHalfCloseBlocking)
	spawn(2, httpsKeepAliveClient)
	spawn(1, httpsPipelineClient)
	spawn(1, httpsChurnClient)
	spawn(1, noReadClient)
	spawn(2, wsEchoClient)
	spawn(1, wsDeflateClient)
	spawn(2, wsSubscribeClient)
	// Hostile.
	spawn(3, slowHead)
	spawn(2, slowBody)
	spawn(2, rstClient)
	spawn(1, oversizedClient)
	spawn(1, garbageClient)
	spawn(1, rpcHostileClient)
	spawn(1, wsUnmaskedClient)
	spawn(1, wsFragmentsClient)
	spawn(1, wsNoReadClient)
	spawn(1, hostileTLSClient)
	spawn(1, func(ctx context.Context, e *env, r *rnd) { floodClient(ctx, e, r, servers) })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// progress logs a line every 10 s until the load ends.
func progress(ctx context.Context, st *stats, servers []*server) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ok, fail, xf := st.totals()
			var ps []string
			for _, s := range servers {
				p, _ := readProc(s.pid)
				ps = append(ps, fmt.Sprintf("%s rss %d KiB fds %d", s.name, p.rssKiB, p.fds))
			}
			logf("+%v verified %d, failures %d (known bugs %d), hostile open %d; %s",
				time.Since(st.start).Round(time.Second), ok, fail, xf, st.hostileOpen.Load(), strings.Join(ps, ", "))
		}
	}
}

func describe(servers []*server, sm sample) string {
	var parts []string
	for i, s := range servers {
		g := "n/a"
		if sm.gor[i] >= 0 {
			g = fmt.Sprint(sm.gor[i])
		}
		parts = append(parts, fmt.Sprintf("%s pid %d rss %d KiB, fds %d, threads %d, goroutines %s",
			s.name, s.pid, sm.ps[i].rssKiB, sm.ps[i].fds, sm.ps[i].threads, g))
	}
	return strings.Join(parts, "; ")
}

func fatalf(format string, a ...any) {
	logf(format, a...)
	os.Exit(2)
}

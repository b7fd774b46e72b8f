// Command scaleload holds N keep-alive HTTP/1.1 connections to one server
// and sends one GET per connection per interval (staggered evenly), checking
// every response. It spreads the connections over several source addresses
// (127.0.0.2, 127.0.0.3, ..., bound before connect) so that one source
// address's ephemeral ports do not run out, and raises its RLIMIT_NOFILE to
// the hard limit.
//
// It reports p50/p99 latency over the hold window, errors, and, with -pid,
// the server's VmRSS before connecting and with all connections held, and
// from these the RSS per connection. The last line of stdout is
// machine-readable ("RESULT key=value ...", read by `runner scale`).
//
//	GOMAXPROCS=1 taskset -c 1 scaleload -addr 127.0.0.1:8080 -pid PID -conns 50000 -hold 30s
//
// One goroutine per connection: at one request per connection per second
// the client's CPU is a fraction of one core even for tens of thousands of
// connections; run it on another CPU than the server (taskset).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	addr     = flag.String("addr", "127.0.0.1:8080", "server address")
	conns    = flag.Int("conns", 50000, "connections to hold")
	srcs     = flag.Int("srcs", 8, "source addresses 127.0.0.2 .. 127.0.0.(1+srcs)")
	interval = flag.Duration("interval", time.Second, "each connection sends one request per interval")
	hold     = flag.Duration("hold", 30*time.Second, "measured window with every connection held")
	settle   = flag.Duration("settle", 3*time.Second, "after connecting, before the window (every connection has sent requests)")
	pid      = flag.Int("pid", 0, "server pid, for VmRSS and its fd count (0: not reported)")
	client   = flag.String("client", "epoll", "epoll (one thread, non-blocking sockets) or goroutine (one per connection)")
	dialPar  = flag.Int("dial-par", 128, "connections being set up at once")
	connTO   = flag.Duration("connect-timeout", 2*time.Minute, "bound on the connecting phase")
	path     = flag.String("path", "/plaintext", "request path")
	want     = flag.String("body", "Hello, World!", "expected response body")
)

type gen struct {
	req      []byte
	want     []byte
	epoch    time.Time
	stop     chan struct{}
	lat      hist
	live     atomic.Int64 // connections open and healthy
	dialErrs atomic.Int64
	reqErrs  atomic.Int64 // failed or wrong responses (the connection is then dropped)
	reqs     atomic.Int64
	late     atomic.Int64 // requests sent more than an interval late (the client fell behind)
	errMu    sync.Mutex
	firstErr []string
}

func main() {
	flag.Parse()
	limit := raiseNofile()
	if uint64(*conns)+64 > limit {
		fmt.Fprintf(os.Stderr, "scaleload: RLIMIT_NOFILE hard limit is %d: one process holds at most %d connections, not %d\n", limit, limit-64, *conns)
		fmt.Printf("RESULT conns=%d held=0 errors=0 fatal=rlimit_nofile_%d\n", *conns, limit)
		os.Exit(2)
	}
	g := &gen{
		req:  []byte("GET " + *path + " HTTP/1.1\r\nHost: scaleload\r\n\r\n"),
		want: []byte(*want),
		stop: make(chan struct{}),
	}
	rssBefore := rssKiB(*pid)
	logf("server VmRSS before connecting: %d KiB; connecting %d from %d source addresses (RLIMIT_NOFILE %d)", rssBefore, *conns, *srcs, limit)

	t0 := time.Now()
	var finish func()
	if *client == "epoll" {
		ec := &epollClient{g: g}
		connected, done := make(chan struct{}), make(chan struct{})
		go func() { ec.run(connected); close(done) }()
		<-connected
		finish = func() { ec.stop.Store(true); <-done }
	} else {
		finish = g.dialAll()
	}
	logf("connected %d of %d in %v (%d dial errors)", g.live.Load(), *conns, time.Since(t0).Round(time.Millisecond), g.dialErrs.Load())

	time.Sleep(*settle)
	rssConnected := rssKiB(*pid)
	g.lat.reset()
	g.reqs.Store(0)
	logf("holding %d connections for %v (server VmRSS %d KiB)", g.live.Load(), *hold, rssConnected)
	time.Sleep(*hold)
	held := g.live.Load()
	rssHeld := rssKiB(*pid)
	fds := fdCount(*pid)
	reqs := g.reqs.Load()
	p50, p99 := g.lat.quantile(0.50), g.lat.quantile(0.99)
	finish()

	errs := g.dialErrs.Load() + g.reqErrs.Load()
	perConn := 0.0
	if held > 0 && rssBefore > 0 {
		perConn = float64(max(rssHeld, rssConnected)-rssBefore) / float64(held)
	}
	g.errMu.Lock()
	for _, e := range g.firstErr {
		logf("error: %s", e)
	}
	g.errMu.Unlock()
	logf("held %d of %d; %d requests in %v (%.0f/s), %d late; p50 %dus p99 %dus; errors %d (dial %d, request %d)",
		held, *conns, reqs, *hold, float64(reqs)/hold.Seconds(), g.late.Load(), p50, p99, errs, g.dialErrs.Load(), g.reqErrs.Load())
	logf("server VmRSS %d KiB before, %d KiB connected, %d KiB at the end: %.2f KiB per connection; server fds %d", rssBefore, rssConnected, rssHeld, perConn, fds)
	fmt.Printf("RESULT conns=%d held=%d errors=%d dial_errors=%d req_errors=%d reqs=%d late=%d p50_us=%d p99_us=%d rss_before_kib=%d rss_connected_kib=%d rss_held_kib=%d rss_per_conn_kib=%.2f server_fds=%d\n",
		*conns, held, errs, g.dialErrs.Load(), g.reqErrs.Load(), reqs, g.late.Load(), p50, p99, rssBefore, rssConnected, rssHeld, perConn, fds)
}

func (g *gen) fail(counter *atomic.Int64, err error) {
	counter.Add(1)
	g.errMu.Lock()
	if len(g.firstErr) < 5 {
		g.firstErr = append(g.firstErr, err.Error())
	}
	g.errMu.Unlock()
}

func raiseNofile() uint64 {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil && r.Cur < r.Max {
		r.Cur = r.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	return r.Cur
}

func rssKiB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func fdCount(pid int) int {
	if pid <= 0 {
		return 0
	}
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(es)
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+"scaleload: "+format+"\n", a...)
}

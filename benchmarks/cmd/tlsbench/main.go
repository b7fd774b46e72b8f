// Command tlsbench compares TLS servers: muduo-go's HTTPS (crypto/tls on
// the loop), net/http's and fasthttp's (crypto/tls with a goroutine per
// connection). Each server runs as a child process pinned to CPU 0 with
// GOMAXPROCS=1; the load (this process, and wrk) should be pinned to CPU 1:
//
//	cd benchmarks && go build -o /tmp/tlsbench ./cmd/tlsbench
//	taskset -c 1 /tmp/tlsbench -rounds 3 -idle 5000
//
// Per round and server, interleaved: full handshakes (ECDSA P-256, and
// RSA-2048 with -rsa), resumed handshakes (each with one request, so a TLS
// 1.3 ticket is read), keep-alive HTTPS with wrk at 50 connections, the
// same pipelined 16 deep, and -idle idle TLS connections. It prints, per
// server, the medians over the rounds of server CPU per operation
// (utime+stime from /proc) and operations per CPU second, and the server
// RSS per idle connection.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	mhttp "github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

var hello = []byte("Hello, World!")

func main() {
	serve := flag.String("serve", "", "child mode: serve this kind (muduo, nethttp, fasthttp)")
	rsa := flag.Bool("rsa", false, "RSA-2048 certificate instead of ECDSA P-256")
	rounds := flag.Int("rounds", 3, "interleaved rounds")
	dur := flag.Duration("d", 3*time.Second, "duration of each timed scenario")
	idle := flag.Int("idle", 5000, "idle TLS connections (0: skip)")
	kinds := flag.String("servers", "muduo,nethttp,fasthttp", "servers to compare")
	flag.Parse()
	raiseNoFile()
	if *serve != "" {
		runServer(*serve, *rsa)
		return
	}
	results := map[string]map[string][]float64{}
	for r := range *rounds {
		for _, kind := range strings.Split(*kinds, ",") {
			m := runRound(kind, *rsa, *dur, *idle)
			log.Printf("round %d %s: %v", r+1, kind, m)
			if results[kind] == nil {
				results[kind] = map[string][]float64{}
			}
			for k, v := range m {
				results[kind][k] = append(results[kind][k], v)
			}
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("medians over %d rounds (load average %s)\n", *rounds, strings.Fields(string(load))[0])
	keys := []string{"full_hs_cpu_us", "full_hs_per_cpu_s", "resumed_hs_cpu_us", "resumed_hs_per_cpu_s", "keepalive_cpu_us_per_req", "pipelined_cpu_us_per_req", "idle_rss_bytes_per_conn"}
	fmt.Printf("%-10s", "server")
	for _, k := range keys {
		fmt.Printf(" %24s", k)
	}
	fmt.Println()
	for _, kind := range strings.Split(*kinds, ",") {
		fmt.Printf("%-10s", kind)
		for _, k := range keys {
			fmt.Printf(" %24.1f", median(results[kind][k]))
		}
		fmt.Println()
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func raiseNoFile() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func certificate(rsa bool) tls.Certificate {
	kt := tlscert.ECDSAP256
	if rsa {
		kt = tlscert.RSA2048
	}
	// One CA per process is fine: the client does not verify.
	ca, err := tlscert.NewCA()
	if err != nil {
		log.Fatal(err)
	}
	c, err := ca.Server(kt, "127.0.0.1")
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// runServer serves /plaintext over HTTPS and prints its address.
func runServer(kind string, rsa bool) {
	cfg := &tls.Config{Certificates: []tls.Certificate{certificate(rsa)}, NextProtos: []string{"http/1.1"}}
	switch kind {
	case "muduo":
		rt := mhttp.NewRouter()
		rt.GET("/plaintext", func(w *mhttp.ResponseWriter, _ *mhttp.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(hello)
		})
		s := mhttp.NewServer(rt, mhttp.WithTLSConfig(cfg), mhttp.WithIdleTimeout(time.Hour), mhttp.WithHeaderTimeout(time.Hour))
		if err := s.Start("127.0.0.1:0"); err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.Addr().String())
	case "nethttp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ln.Addr().String())
		srv := &nethttp.Server{Handler: nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(hello)
		}), TLSNextProto: map[string]func(*nethttp.Server, *tls.Conn, nethttp.Handler){}, ErrorLog: log.New(io.Discard, "", 0)}
		go func() { _ = srv.Serve(tls.NewListener(ln, cfg)) }()
	case "fasthttp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ln.Addr().String())
		srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType("text/plain")
			_, _ = ctx.Write(hello)
		}, Logger: log.New(io.Discard, "", 0)}
		go func() { _ = srv.Serve(tls.NewListener(ln, cfg)) }()
	default:
		log.Fatalf("unknown server %q", kind)
	}
	select {}
}

// child is a server process.
type child struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(kind string, rsa bool) *child {
	exe, _ := os.Executable()
	args := []string{"-c", "0", exe, "-serve", kind}
	if rsa {
		args = append(args, "-rsa")
	}
	cmd := exec.Command("taskset", args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	var line []byte
	b := make([]byte, 1)
	for {
		if _, err := out.Read(b); err != nil || b[0] == '\n' {
			break
		}
		line = append(line, b[0])
	}
	return &child{cmd: cmd, addr: string(line)}
}

func (c *child) stop() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// cpu returns the child's utime+stime, in seconds.
func (c *child) cpu() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100 // USER_HZ
}

// rss returns the child's resident set, in bytes.
func (c *child) rss() float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v * 1024
}

func runRound(kind string, rsa bool, d time.Duration, idle int) map[string]float64 {
	c := startChild(kind, rsa)
	defer c.stop()
	m := map[string]float64{}
	n, cpu := measure(c, func() int64 { return handshakes(c.addr, d, nil) })
	m["full_hs_cpu_us"], m["full_hs_per_cpu_s"] = cpu/float64(n)*1e6, float64(n)/cpu
	cache := tls.NewLRUClientSessionCache(64)
	handshakes(c.addr, 200*time.Millisecond, cache) // fill the cache
	n, cpu = measure(c, func() int64 { return handshakes(c.addr, d, cache) })
	m["resumed_hs_cpu_us"], m["resumed_hs_per_cpu_s"] = cpu/float64(n)*1e6, float64(n)/cpu
	if wrk, err := exec.LookPath("wrk"); err == nil {
		n, cpu = measure(c, func() int64 { return runWrk(wrk, c.addr, d, 1) })
		m["keepalive_cpu_us_per_req"] = cpu / float64(n) * 1e6
		n, cpu = measure(c, func() int64 { return runWrk(wrk, c.addr, d, 16) })
		m["pipelined_cpu_us_per_req"] = cpu / float64(n) * 1e6
	}
	if idle > 0 {
		m["idle_rss_bytes_per_conn"] = idleRSS(c, idle)
	}
	return m
}

func measure(c *child, f func() int64) (int64, float64) {
	before := c.cpu()
	n := f()
	return max(n, 1), max(c.cpu()-before, 0.01)
}

// handshakes runs 8 clients doing handshake + one request + close for d.
func handshakes(addr string, d time.Duration, cache tls.ClientSessionCache) int64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	req := []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
	for range 8 {
		wg.Go(func() {
			buf := make([]byte, 4096)
			for time.Now().Before(end) {
				raw, err := net.Dial("tcp", addr)
				if err != nil {
					continue
				}
				c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ClientSessionCache: cache, NextProtos: []string{"http/1.1"}})
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write(req); err == nil {
					if k, err := c.Read(buf); err == nil && k > 0 {
						n.Add(1)
					}
				}
				_ = c.Close()
			}
		})
	}
	wg.Wait()
	return n.Load()
}

var wrkRequests = regexp.MustCompile(`(\d+) requests in`)

func runWrk(wrk, addr string, d time.Duration, pipeline int) int64 {
	args := []string{"-c", "1", wrk, "-t1", "-c50", "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	if pipeline > 1 {
		script := filepath.Join(os.TempDir(), "tlsbench-pipeline.lua")
		_ = os.WriteFile(script, []byte(fmt.Sprintf(`init = function(args)
  local r = {}
  for i = 1, %d do r[i] = wrk.format(nil, "/plaintext") end
  req = table.concat(r)
end
request = function() return req end
`, pipeline)), 0o600)
		args = append(args, "-s", script)
	}
	out, err := exec.Command("taskset", append(args, "https://"+addr+"/plaintext")...).CombinedOutput()
	m := wrkRequests.FindSubmatch(out)
	if err != nil || m == nil {
		log.Printf("wrk: %v\n%s", err, out)
		return 0
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}

// idleRSS opens n TLS connections (handshake done, nothing more) and
// returns the server's RSS growth per connection.
func idleRSS(c *child, n int) float64 {
	time.Sleep(200 * time.Millisecond)
	before := c.rss()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, x := range conns {
			_ = x.Close()
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			raw, err := net.Dial("tcp", c.addr)
			if err != nil {
				return
			}
			tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
			if tc.Handshake() != nil {
				_ = raw.Close()
				return
			}
			mu.Lock()
			conns = append(conns, tc)
			mu.Unlock()
		})
	}
	wg.Wait()
	time.Sleep(time.Second) // let the server settle (goroutines park, buffers return)
	return (c.rss() - before) / float64(max(len(conns), 1))
}

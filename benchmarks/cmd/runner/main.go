// Command runner measures muduo-go's examples side by side with peer servers
// under one protocol: server pinned to CPU 0 with GOMAXPROCS=1 and one event
// loop, load generator pinned to CPU 1, interleaved rounds, medians. Because a
// single client core often saturates before a fast server does, the headline
// metric is server CPU per operation (utime+stime from /proc/PID/stat over
// the measured window), with syscalls per operation from a separate run.
//
// Usage (from the benchmarks directory):
//
//	go run ./cmd/runner echo|http|rpc|idle|scale|ws|all [flags]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

var (
	fs         = flag.NewFlagSet("runner", flag.ExitOnError)
	rounds     = fs.Int("rounds", 5, "interleaved rounds per target and scenario")
	duration   = fs.Duration("duration", 10*time.Second, "measured window per run")
	warmup     = fs.Duration("warmup", 500*time.Millisecond, "load before each measured window (Go load generators; wrk runs get a separate warm-up run only if >= 1s)")
	sysDur     = fs.Duration("sysdur", 2*time.Second, "window of the separate syscall-counting run (0 disables it)")
	outDir     = fs.String("out", "", "directory for <suite>.md and <suite>.csv (e.g. results)")
	targets    = fs.String("targets", "", "comma-separated subset of target names (default: all)")
	sizes      = fs.String("sizes", "64,4096,16384", "echo message sizes")
	echoConn   = fs.Int("echo-conns", 100, "echo connections")
	rpcConn    = fs.Int("rpc-conns", 50, "rpc connections")
	inflight   = fs.Int("inflight", 16, "rpc calls in flight per connection")
	idleN      = fs.Int("idle-n", 10000, "idle connections")
	idlePing   = fs.Int("idle-ping", 64, "bytes each idle connection echoes once before idling (0: never used)")
	muduoLoopN = fs.Int("muduo-loops", 0, "-loops passed to muduo-go's echo and httpserver (0: one loop that accepts and does IO)")
	muduoRef   = fs.String("muduo-ref", "HEAD", "git revision of muduo-go to build the examples from (\"\": the working tree as it is)")
	scen       = fs.String("scenarios", "", "comma-separated subset of http/rpc scenario names (default: all)")
	wsSizes    = fs.String("ws-sizes", "64,4096", "WebSocket echo message sizes")
	wsIdleN    = fs.Int("ws-idle-n", 19500, "idle WebSocket connections (capped to RLIMIT_NOFILE - 300)")
)

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintln(os.Stderr, "usage: runner echo|http|rpc|idle|scale|ws|all [flags]")
		fs.PrintDefaults()
		os.Exit(2)
	}
	sub := os.Args[1]
	_ = fs.Parse(os.Args[2:])
	checkDir()
	limit := raiseNofile()
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		logf("loadavg at start: %s", strings.TrimSpace(string(la)))
	}
	syscallMethod = detectSyscallMethod()
	logf("RLIMIT_NOFILE=%d; syscall counting: %q; rounds=%d duration=%v", limit, syscallMethod, *rounds, *duration)
	start := time.Now()
	switch sub {
	case "echo":
		runEcho()
	case "http":
		runHTTP()
	case "rpc":
		runRPC()
	case "idle":
		runIdle()
	case "scale":
		runScale()
	case "ws":
		runWS()
	case "all":
		runEcho()
		runHTTP()
		runRPC()
		runIdle()
	default:
		fatalf("unknown subcommand %q", sub)
	}
	logf("%s done in %v", sub, time.Since(start).Round(time.Second))
}

// set turns a comma-separated flag into a lookup set (empty: everything).
func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			m[f] = true
		}
	}
	return m
}

func header(suite, what string) string {
	host, _ := os.Hostname()
	// The load average is printed because other work on this 2-core machine
	// skews throughput far more than CPU per op; it says how to read a table.
	la, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("## %s\n\n%s  \nProtocol: server `taskset -c %s`, GOMAXPROCS=1, 1 loop; load `taskset -c %s`; %d interleaved rounds × %v; medians. Syscalls: `%s`, separate %v run. Host %s, %s, loadavg at end %s.",
		suite, what, serverCPU, loadCPU, *rounds, *duration, syscallMethod, *sysDur, host, time.Now().Format(time.RFC3339), strings.Join(strings.Fields(string(la))[:3], " "))
}

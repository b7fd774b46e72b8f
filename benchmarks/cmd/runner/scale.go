package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The scale suite: each HTTP server in turn holds -scale-n keep-alive
// connections from cmd/scaleload (one GET /plaintext per connection per
// second, staggered, every response checked) for -scale-hold; the table
// shows connections held, server RSS per connection, p99 and errors.

var (
	scaleN    = fs.Int("scale-n", 50000, "scale: keep-alive connections per server")
	scaleHold = fs.Duration("scale-hold", 30*time.Second, "scale: measured window with every connection held")
	scaleSrcs = fs.Int("scale-srcs", 8, "scale: client source addresses 127.0.0.2 ..")
)

// scaleTargets are the HTTP targets but cfloor (a fixed-size C floor for
// request/response costs, not a server that holds connections).
func scaleTargets() []target {
	var ts []target
	for _, t := range httpTargets {
		if t.name != "cfloor" {
			ts = append(ts, t)
		}
	}
	return ts
}

// fdHeadroom is what a server and the load generator need besides the
// connections (listener, epoll, eventfds, stdio, runtime).
const fdHeadroom = 500

// scaleLimit raises RLIMIT_NOFILE (soft and hard) so that servers and the
// load generator, which inherit it, can hold n connections. Raising the
// hard limit needs CAP_SYS_RESOURCE; without it the run is capped to what
// the hard limit allows, and says why.
func scaleLimit(n int) (int, string) {
	want := uint64(n + fdHeadroom)
	var r syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
	if r.Cur >= want {
		return n, ""
	}
	nr := syscall.Rlimit{Cur: want, Max: max(want, r.Max)}
	err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nr)
	if err == nil {
		logf("RLIMIT_NOFILE raised to %d", want)
		return n, ""
	}
	capN := int(r.Max) - fdHeadroom
	why := fmt.Sprintf("%d connections need RLIMIT_NOFILE >= %d in the server and the client, but the hard limit is %d and raising it failed (%v: no CAP_SYS_RESOURCE); ran %d instead",
		n, want, r.Max, err, capN)
	logf("%s", why)
	return capN, why
}

func runScale() {
	n, why := scaleLimit(*scaleN)
	ts := buildAll("http", scaleTargets(), set(*targets))
	load := buildTool("scaleload")
	type row struct {
		name string
		kv   map[string]string
		err  string
	}
	var rows []row
	for _, t := range ts {
		r := row{name: t.name}
		addr := freshAddr()
		s, err := startServer(t, addr)
		if err != nil {
			r.err = err.Error()
			rows = append(rows, r)
			continue
		}
		time.Sleep(300 * time.Millisecond) // let the server settle before its idle RSS is read
		args := []string{"-c", loadCPU, load, "-addr", addr, "-pid", strconv.Itoa(s.pid),
			"-conns", strconv.Itoa(n), "-hold", scaleHold.String(), "-srcs", strconv.Itoa(*scaleSrcs)}
		logf("scale %s: GOMAXPROCS=1 taskset %s", t.name, strings.Join(args, " "))
		cmd := exec.Command("taskset", args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		runErr := cmd.Run()
		r.kv = parseResult(out.String())
		if !s.alive() {
			r.err = "server died: " + tail(s.errb.String())
		} else if r.kv == nil {
			r.err = fmt.Sprintf("scaleload: %v", runErr)
		}
		s.stop()
		rows = append(rows, r)
	}
	la, _ := os.ReadFile("/proc/loadavg")
	var b strings.Builder
	fmt.Fprintf(&b, "\n## scale: %d keep-alive connections, 1 GET /plaintext per connection per second, %v hold\n\n", n, *scaleHold)
	fmt.Fprintf(&b, "Command: `cd benchmarks && go run ./cmd/runner scale -scale-n %d -scale-hold %v` (server: taskset -c 0, GOMAXPROCS=1, one loop; scaleload: taskset -c 1, GOMAXPROCS=1, %d source addresses). Load average at the end: %s.\n\n",
		*scaleN, *scaleHold, *scaleSrcs, strings.Join(strings.Fields(string(la))[:3], " "))
	if why != "" {
		fmt.Fprintf(&b, "Not %d: %s.\n\n", *scaleN, why)
	}
	b.WriteString("| server | connections held | RSS per connection | p99 latency | errors | p50 | RSS idle -> held |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		if r.kv == nil {
			fmt.Fprintf(&b, "| %s | - | - | - | %s | - | - |\n", r.name, r.err)
			continue
		}
		kv := r.kv
		errs := kv["errors"]
		if r.err != "" {
			errs += " (" + r.err + ")"
		}
		fmt.Fprintf(&b, "| %s | %s / %s | %s KiB | %s | %s | %s | %s -> %s MiB |\n", r.name, kv["held"], kv["conns"],
			kv["rss_per_conn_kib"], us(kv["p99_us"]), errs, us(kv["p50_us"]), mib(kv["rss_before_kib"]), mib(kv["rss_held_kib"]))
	}
	fmt.Print(b.String())
	if *outDir != "" {
		_ = os.MkdirAll(*outDir, 0o755)
		_ = os.WriteFile(*outDir+"/scale.md", []byte(b.String()), 0o644)
	}
}

// parseResult reads scaleload's "RESULT k=v ..." line.
func parseResult(out string) map[string]string {
	for _, l := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(l, "RESULT "); ok {
			kv := map[string]string{}
			for _, p := range strings.Fields(f) {
				if k, v, ok := strings.Cut(p, "="); ok {
					kv[k] = v
				}
			}
			return kv
		}
	}
	return nil
}

func us(v string) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if n >= 1000 {
		return fmt.Sprintf("%.1f ms", n/1000)
	}
	return fmt.Sprintf("%.0f µs", n)
}

func mib(v string) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return fmt.Sprintf("%.1f", n/1024)
}

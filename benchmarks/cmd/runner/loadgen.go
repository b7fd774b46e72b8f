package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// windowRun is what one Go load generator run measured.
type windowRun struct {
	result map[string]string // key=value pairs of its RESULT line
	ticks  int64             // server CPU ticks between BEGIN and END
	rss    int64             // server VmRSS (KiB) at END
	sys    map[string]int64  // syscall counts between BEGIN and END (withSys only)
}

// runWindowed runs a Go load generator pinned to the load CPU and samples
// the server exactly at the generator's BEGIN and END lines. With withSys the
// generator runs in counting mode (-ctl): it pauses its load and prints
// PAUSED, the syscall counter is attached while the server is quiet, and
// detached after END, again with the load paused (see internal/window).
func runWindowed(s *server, bin string, args []string, withSys bool) (*windowRun, error) {
	if withSys {
		args = append(args, "-ctl")
	}
	cmd := exec.Command("taskset", append([]string{"-c", loadCPU, bin}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &windowRun{result: map[string]string{}}
	var t0 int64
	var sc *sysCount
	var werr error
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := lines.Text()
		switch {
		case line == "PAUSED":
			sc, werr = startSysCount(s.pid)
			_, _ = stdin.Write([]byte("go\n"))
		case line == "BEGIN":
			t0, _ = cpuTicks(s.pid)
		case line == "END":
			t1, _ := cpuTicks(s.pid)
			w.ticks = t1 - t0
			w.rss = rssKiB(s.pid)
			if sc != nil {
				w.sys, werr = sc.stop()
				_, _ = stdin.Write([]byte("done\n")) // generator may now close its conns
			}
		case strings.HasPrefix(line, "RESULT "):
			for _, kv := range strings.Fields(line)[1:] {
				if k, v, ok := strings.Cut(kv, "="); ok {
					w.result[k] = v
				}
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		return w, fmt.Errorf("%s: %v: %s", bin, err, tail(stderr.String()))
	}
	if len(w.result) == 0 {
		return w, fmt.Errorf("%s printed no RESULT: %s", bin, tail(stderr.String()))
	}
	return w, werr
}

func (w *windowRun) int(k string) int64 {
	n, _ := strconv.ParseInt(w.result[k], 10, 64)
	return n
}

func (w *windowRun) float(k string) float64 {
	f, _ := strconv.ParseFloat(w.result[k], 64)
	return f
}

// wrkRun is one parsed wrk run.
type wrkRun struct {
	requests int64
	rps      float64
	p99ms    float64
	non2xx   int64
	sockErrs string // "" when all socket error counts are zero
}

// runWrk runs `taskset -c 1 wrk -t1 -cN -dDs --latency [-s script] url [-- args]`.
func runWrk(url string, conns, secs int, script string, scriptArgs ...string) (*wrkRun, error) {
	args := []string{"-c", loadCPU, "wrk", "-t1", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", secs), "--latency"}
	if script != "" {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	if len(scriptArgs) > 0 {
		args = append(append(args, "--"), scriptArgs...)
	}
	cmd := exec.Command("taskset", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	b, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("wrk: %v: %s", err, tail(string(b)))
	}
	return parseWrk(string(b))
}

func parseWrk(s string) (*wrkRun, error) {
	r := &wrkRun{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.requests, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "99%":
			r.p99ms = wrkMillis(f[1])
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx or 3xx responses:"):
			r.non2xx, _ = strconv.ParseInt(f[len(f)-1], 10, 64)
		case strings.HasPrefix(strings.TrimSpace(line), "Socket errors:"):
			r.sockErrs = strings.TrimPrefix(strings.TrimSpace(line), "Socket errors: ")
		}
	}
	if r.requests == 0 {
		return r, fmt.Errorf("wrk completed no requests: %s", tail(s))
	}
	// wrk's histogram sometimes prints 0.00us for the high percentiles of a
	// pipelined run (few, batched samples); p99 is then reported as "-".
	return r, nil
}

// wrkMillis converts wrk's "812.00us" / "1.23ms" / "2.00s" / "1.00m" to ms.
func wrkMillis(v string) float64 {
	for _, u := range []struct {
		suffix string
		ms     float64
	}{{"us", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 60e3}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err == nil {
				return f * u.ms
			}
		}
	}
	return 0
}

// problems returns a description of wrk-reported errors, or "".
func (r *wrkRun) problems() string {
	var p []string
	if r.non2xx > 0 {
		p = append(p, fmt.Sprintf("%d non-2xx", r.non2xx))
	}
	if r.sockErrs != "" {
		p = append(p, "socket errors: "+r.sockErrs)
	}
	return strings.Join(p, ", ")
}

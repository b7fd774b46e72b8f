package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runEcho: ping-pong echo at each message size, targets interleaved within
// each round so slow drifts of the noisy machine hit every target alike.
func runEcho() {
	ts := buildAll("echo", echoTargets, set(*targets))
	load := buildTool("echoload")
	res := newResults("echo", "msg", "gnet")
	szs := strings.Split(*sizes, ",")
	args := func(s *server, size string, d time.Duration) []string {
		return []string{"-addr", s.addr, "-conns", strconv.Itoa(*echoConn), "-size", size,
			"-duration", d.String(), "-warmup", warmup.String()}
	}
	for r := 1; r <= *rounds; r++ {
		for _, size := range szs {
			for _, t := range ts {
				c := res.cell(size, t.name)
				withServer(t, c, func(s *server) {
					w, err := runWindowed(s, load, args(s, size, *duration), false)
					if err != nil {
						c.problem("%v", err)
						return
					}
					n := w.int("msgs")
					c.samples = append(c.samples, sample{rate: w.float("msgs_per_s"), cpu: usPerOp(w.ticks, n), rssKiB: w.rss})
					logf("echo r%d size=%s %-9s %8.0f msg/s %6.2f µs/msg", r, size, t.name, w.float("msgs_per_s"), usPerOp(w.ticks, n))
				})
			}
		}
	}
	if *sysDur > 0 && syscallMethod != "" {
		for _, size := range szs {
			for _, t := range ts {
				c := res.cell(size, t.name)
				withServer(t, c, func(s *server) {
					w, err := runWindowed(s, load, args(s, size, *sysDur), true)
					if err != nil {
						c.problem("syscall run: %v", err)
						return
					}
					c.sys, c.sysOps = w.sys, w.int("msgs")
				})
			}
		}
	}
	emit("echo", header("echo", fmt.Sprintf("Ping-pong echo, %d connections, scenario = message size in bytes.", *echoConn)),
		res.markdown(columns{}), res.csvRows())
}

// withServer starts t on a fresh port, runs f, and stops the server; a
// server that fails to start or dies during f is recorded as a problem.
func withServer(t builtTarget, c *cell, f func(*server)) {
	s, err := startServer(t, freshAddr())
	if err != nil {
		c.problem("start: %v", err)
		logf("%s: %v", t.name, err)
		return
	}
	f(s)
	if !s.alive() {
		c.problem("server exited during the run: %s", tail(s.errb.String()))
	}
	s.stop()
}

// runIdle measures RSS per idle connection: VmRSS with the server idle, then
// with -idle-n connections open (each used once, see -idle-ping).
func runIdle() {
	ts := buildAll("echo", echoTargets, set(*targets))
	table, rows := idleTable("idle", ts, *idleN)
	emit("idle", header("idle", fmt.Sprintf("%d idle connections per echo server, each used once for a %d-byte echo; KiB/conn = ΔVmRSS / N.", *idleN, *idlePing)), table, rows)
}

// idleTable holds n idle connections (idleconns with extra flags) to each
// target per round and tabulates VmRSS per connection.
func idleTable(suite string, ts []builtTarget, n int, extra ...string) (string, [][]string) {
	idle := buildTool("idleconns")
	type m struct{ before, after, perConn []float64 }
	got := map[string]*m{}
	var probs = map[string][]string{}
	for r := 1; r <= *rounds; r++ {
		for _, t := range ts {
			if got[t.name] == nil {
				got[t.name] = &m{}
			}
			s, err := startServer(t, freshAddr())
			if err != nil {
				probs[t.name] = append(probs[t.name], err.Error())
				continue
			}
			time.Sleep(300 * time.Millisecond)
			before := rssKiB(s.pid)
			after, err := holdIdle(s, idle, n, extra...)
			if err != nil {
				probs[t.name] = append(probs[t.name], err.Error())
				logf("%s %s: %v", suite, t.name, err)
			} else {
				g := got[t.name]
				g.before = append(g.before, float64(before)/1024)
				g.after = append(g.after, float64(after)/1024)
				g.perConn = append(g.perConn, float64(after-before)/float64(n))
				logf("%s r%d %-9s before %.1f MiB after %.1f MiB: %.2f KiB/conn", suite, r, t.name, float64(before)/1024, float64(after)/1024, float64(after-before)/float64(n))
			}
			s.stop()
		}
	}
	var b strings.Builder
	b.WriteString("| target | rounds | VmRSS idle MiB | VmRSS with conns MiB | KiB per idle conn (median) | bytes per idle conn | problems |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	rows := [][]string{{"suite", "target", "rounds", "rss_before_mib", "rss_after_mib", "kib_per_conn", "problems"}}
	for _, t := range ts {
		g := got[t.name]
		p := strings.Join(probs[t.name], "; ")
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f | %.2f | %.0f | %s |\n", t.name, len(g.perConn), median(g.before), median(g.after), median(g.perConn), median(g.perConn)*1024, orOK(cellText(p)))
		rows = append(rows, []string{suite, t.name, strconv.Itoa(len(g.perConn)), f2(median(g.before)), f2(median(g.after)), f2(median(g.perConn)), p})
	}
	return b.String(), rows
}

func orOK(p string) string {
	if p == "" {
		return "ok"
	}
	return "**" + p + "**"
}

// holdIdle opens the idle connections, waits until the server holds them all
// (its fd count stops growing), and returns its VmRSS then.
func holdIdle(s *server, bin string, n int, extra ...string) (int64, error) {
	cmd := exec.Command("taskset", append([]string{"-c", loadCPU, bin, "-addr", s.addr, "-n", strconv.Itoa(n), "-ping", strconv.Itoa(*idlePing)}, extra...)...)
	cmd.Env = append(cmd.Environ(), "GOMAXPROCS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "HELD ") {
		_ = cmd.Process.Kill()
		return 0, fmt.Errorf("idleconns: %s", tail(errb.String()))
	}
	// Wait for the server to have accepted them all (or stop growing).
	last, stable := -1, 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && stable < 3; {
		fds := fdCount(s.pid)
		if fds >= n {
			break
		}
		if fds == last {
			stable++
		} else {
			last, stable = fds, 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	if fds := fdCount(s.pid); fds < n {
		return 0, fmt.Errorf("server holds only %d fds for %d connections", fds, n)
	}
	time.Sleep(500 * time.Millisecond)
	return rssKiB(s.pid), nil
}

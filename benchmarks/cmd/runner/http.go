package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// httpScenario is one wrk configuration.
type httpScenario struct {
	name, path string
	conns      int
	pipeline   int // requests per wrk write (wrk/pipeline.lua); 0: plain wrk
}

var httpScenarios = []httpScenario{
	{"plaintext", "/plaintext", 50, 0},
	{"plaintext-pipeline16", "/plaintext", 50, 16},
	{"json", "/json", 50, 0},
	{"plaintext-1000conns", "/plaintext", 1000, 0},
}

func wrkSecs(d time.Duration) int { return max(1, int(d.Round(time.Second)/time.Second)) }

func runHTTP() {
	ts := buildAll("http", httpTargets, set(*targets))
	res := newResults("http", "req", "fasthttp")
	only := set(*scen)
	var scs []httpScenario
	for _, sc := range httpScenarios {
		if len(only) == 0 || only[sc.name] {
			scs = append(scs, sc)
		}
	}
	run := func(s *server, sc httpScenario, secs int) (*wrkRun, error) {
		url := "http://" + s.addr + sc.path
		if sc.pipeline > 0 {
			return runWrk(url, sc.conns, secs, "wrk/pipeline.lua", fmt.Sprint(sc.pipeline))
		}
		return runWrk(url, sc.conns, secs, "")
	}
	for r := 1; r <= *rounds; r++ {
		for _, sc := range scs {
			for _, t := range ts {
				c := res.cell(sc.name, t.name)
				withServer(t, c, func(s *server) {
					if r == 1 {
						if err := probeHTTP(s.addr, sc.path); err != nil {
							c.problem("probe: %v", err)
						}
					}
					if *warmup >= time.Second {
						_, _ = run(s, sc, wrkSecs(*warmup))
					}
					t0, _ := cpuTicks(s.pid)
					w, err := run(s, sc, wrkSecs(*duration))
					t1, _ := cpuTicks(s.pid)
					if err != nil {
						c.problem("%v", err)
						return
					}
					if p := w.problems(); p != "" {
						c.problem("%s", p)
					}
					c.samples = append(c.samples, sample{rate: w.rps, cpu: usPerOp(t1-t0, w.requests), p99: w.p99ms, rssKiB: rssKiB(s.pid)})
					logf("http r%d %-21s %-9s %8.0f req/s %6.2f µs/req p99 %.2fms %s", r, sc.name, t.name, w.rps, usPerOp(t1-t0, w.requests), w.p99ms, w.problems())
				})
			}
		}
	}
	if *sysDur > 0 && syscallMethod != "" {
		for _, sc := range scs {
			for _, t := range ts {
				c := res.cell(sc.name, t.name)
				withServer(t, c, func(s *server) {
					countWrkSyscalls(c, s, func() (*wrkRun, error) { return run(s, sc, wrkSecs(*sysDur)) })
				})
			}
		}
	}
	emit("http", header("http", "wrk -t1 against each server; CPU/req divides the server's CPU over the whole wrk run by the requests wrk completed. RSS is VmRSS right after the run."),
		res.markdown(columns{p99: true, rss: true}), res.csvRows())
}

// countWrkSyscalls attaches the syscall counter around one short wrk run.
func countWrkSyscalls(c *cell, s *server, run func() (*wrkRun, error)) {
	sc, err := startSysCount(s.pid)
	if err != nil {
		c.problem("syscall count: %v", err)
		return
	}
	w, werr := run()
	m, err := sc.stop()
	if werr != nil || err != nil {
		c.problem("syscall run: %v %v", werr, err)
		return
	}
	c.sys, c.sysOps = m, w.requests
}

// probeHTTP checks one response by hand before measuring, so a server that
// answers fast but wrong is flagged rather than ranked.
func probeHTTP(addr, path string) error {
	// As wrk asks: no Accept-Encoding. Go's transport would ask for gzip,
	// which examples/httpserver grants (middleware.Compress), and then
	// drops Content-Length from the header it decompressed.
	cl := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	resp, err := cl.Get("http://" + addr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want, ctype := "Hello, World!", "text/plain"
	if path == "/json" {
		want, ctype = `{"message":"Hello, World!"}`, "application/json"
	}
	var p []string
	if resp.StatusCode != 200 {
		p = append(p, fmt.Sprintf("status %d", resp.StatusCode))
	}
	if strings.TrimSpace(string(body)) != want {
		p = append(p, fmt.Sprintf("body %q", body))
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
		p = append(p, "Content-Type "+resp.Header.Get("Content-Type"))
	}
	for _, h := range []string{"Server", "Date", "Content-Length"} {
		if resp.Header.Get(h) == "" {
			p = append(p, "no "+h)
		}
	}
	if len(p) > 0 {
		return fmt.Errorf("%s: %s", path, strings.Join(p, ", "))
	}
	return nil
}

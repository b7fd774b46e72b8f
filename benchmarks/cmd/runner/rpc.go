package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// runRPC: JSON-RPC over TCP with rpcload (every target), then JSON-RPC over
// HTTP POST /rpc with wrk (targets that have it: muduo-go).
func runRPC() {
	only := set(*targets)
	ts := buildAll("rpc", rpcTargets, only)
	hts := buildAll("rpchttp", rpcHTTPTargets, only)
	load := buildTool("rpcload")
	res := newResults("rpc", "call", "netrpc")
	scOnly := set(*scen)
	tcpName := fmt.Sprintf("tcp-%dx%d", *rpcConn, *inflight)
	const httpName = "http-post"
	doTCP := len(scOnly) == 0 || scOnly["tcp"] || scOnly[tcpName]
	doHTTP := len(scOnly) == 0 || scOnly["http"] || scOnly[httpName]
	args := func(s *server, t builtTarget, d time.Duration) []string {
		return []string{"-addr", s.addr, "-conns", strconv.Itoa(*rpcConn), "-inflight", strconv.Itoa(*inflight),
			"-req", t.rpcReq, "-duration", d.String(), "-warmup", warmup.String()}
	}
	wrkRPC := func(s *server, secs int) (*wrkRun, error) {
		return runWrk("http://"+s.addr+"/rpc", *rpcConn, secs, "wrk/rpc.lua")
	}
	for r := 1; r <= *rounds; r++ {
		for _, t := range ts {
			if !doTCP {
				break
			}
			c := res.cell(tcpName, t.name)
			withServer(t, c, func(s *server) {
				w, err := runWindowed(s, load, args(s, t, *duration), false)
				if err != nil {
					c.problem("%v", err)
					return
				}
				n := w.int("calls")
				c.samples = append(c.samples, sample{rate: w.float("calls_per_s"), cpu: usPerOp(w.ticks, n), rssKiB: w.rss})
				logf("rpc r%d %s %-11s %8.0f calls/s %6.2f µs/call", r, tcpName, t.name, w.float("calls_per_s"), usPerOp(w.ticks, n))
			})
		}
		for _, t := range hts {
			if !doHTTP {
				break
			}
			c := res.cell(httpName, t.name)
			withServer(t, c, func(s *server) {
				if r == 1 {
					if err := probeRPCHTTP(s.addr); err != nil {
						c.problem("probe: %v", err)
					}
				}
				t0, _ := cpuTicks(s.pid)
				w, err := wrkRPC(s, wrkSecs(*duration))
				t1, _ := cpuTicks(s.pid)
				if err != nil {
					c.problem("%v", err)
					return
				}
				if p := w.problems(); p != "" {
					c.problem("%s", p)
				}
				c.samples = append(c.samples, sample{rate: w.rps, cpu: usPerOp(t1-t0, w.requests), p99: w.p99ms, rssKiB: rssKiB(s.pid)})
				logf("rpc r%d %s %-11s %8.0f calls/s %6.2f µs/call", r, httpName, t.name, w.rps, usPerOp(t1-t0, w.requests))
			})
		}
	}
	if *sysDur > 0 && syscallMethod != "" {
		for _, t := range ts {
			if !doTCP {
				break
			}
			c := res.cell(tcpName, t.name)
			withServer(t, c, func(s *server) {
				w, err := runWindowed(s, load, args(s, t, *sysDur), true)
				if err != nil {
					c.problem("syscall run: %v", err)
					return
				}
				c.sys, c.sysOps = w.sys, w.int("calls")
			})
		}
		for _, t := range hts {
			if !doHTTP {
				break
			}
			c := res.cell(httpName, t.name)
			withServer(t, c, func(s *server) {
				countWrkSyscalls(c, s, func() (*wrkRun, error) { return wrkRPC(s, wrkSecs(*sysDur)) })
			})
		}
	}
	emit("rpc", header("rpc", fmt.Sprintf("Arith.Add over newline-delimited JSON-RPC (%d conns × %d in flight, results verified) and over HTTP POST /rpc (wrk, %d conns, rpc.lua).", *rpcConn, *inflight, *rpcConn)),
		res.markdown(columns{p99: true}), res.csvRows())
}

// probeRPCHTTP posts one call and checks the result is 3.
func probeRPCHTTP(addr string) error {
	body := `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}`
	cl := &http.Client{Timeout: 3 * time.Second}
	resp, err := cl.Post("http://"+addr+"/rpc", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(bytes.ReplaceAll(b, []byte(" "), nil), []byte(`"result":3`)) {
		return fmt.Errorf("POST /rpc: status %d body %q", resp.StatusCode, b)
	}
	return nil
}

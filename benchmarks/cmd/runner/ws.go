package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wsTargets serve GET /ws/echo, echoing every message.
var wsTargets = []target{
	// examples/httpserver's /ws/echo offers permessage-deflate; the load
	// generators do not ask for it, so frames go uncompressed, as for
	// every peer.
	example("muduo-go", "./examples/httpserver", muduoLoops),
	goPeer("gorilla", "./peers/wsgorilla"),
	goPeer("gobwas", "./peers/wsgobwas"),
	goPeer("nbio", "./peers/wsnbio", "-loops", "1"),
}

const wsPath = "/ws/echo"

// runWS: WebSocket ping-pong echo (echoload -ws) at each of -ws-sizes over
// -echo-conns connections, targets interleaved within each round; then
// -ws-idle-n idle WebSocket connections per server (idleconns -ws), each
// used once for a -idle-ping echo.
func runWS() {
	ts := buildAll("ws", wsTargets, set(*targets))
	load := buildTool("echoload")
	res := newResults("ws", "msg", "muduo-go")
	szs := strings.Split(*wsSizes, ",")
	args := func(s *server, size string, d time.Duration) []string {
		return []string{"-addr", s.addr, "-ws", wsPath, "-conns", strconv.Itoa(*echoConn), "-size", size,
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
					logf("ws r%d size=%s %-9s %8.0f msg/s %6.2f µs/msg", r, size, t.name, w.float("msgs_per_s"), usPerOp(w.ticks, n))
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
	emit("ws", header("ws", fmt.Sprintf("WebSocket ping-pong echo of binary messages (masked client frames, no compression), %d connections, scenario = message size in bytes.", *echoConn)),
		res.markdown(columns{}), res.csvRows())

	n := *wsIdleN
	if limit := int(raiseNofile()); n > limit-300 {
		n = limit - 300
		logf("ws-idle: %d connections (RLIMIT_NOFILE %d)", n, limit)
	}
	table, rows := idleTable("ws-idle", ts, n, "-ws", wsPath)
	emit("ws-idle", header("ws-idle", fmt.Sprintf("%d idle WebSocket connections per server (GET %s, upgraded, each used once for a %d-byte binary echo); bytes/conn = ΔVmRSS / N.", n, wsPath, *idlePing)), table, rows)
}

package http

import (
	"bytes"
	"errors"
	"expvar"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// ExpvarKind is the "kind" member of the JSON that Server.PublishExpvar
// publishes, by which a reader of /debug/vars (the /debug/status page, a
// soak tool) recognises an HTTP server's variable.
const ExpvarKind = "muduo-http"

// Vars is what Server.PublishExpvar publishes: Stats (its members appear
// at the top level of the JSON) plus the tcp layer's per-loop counters.
//
// The JSON shape, every number an integer:
//
//	{
//	  "kind": "muduo-http", "name": "http", "addr": "127.0.0.1:8080",
//	  "requests": N,                        // requests handed to a handler
//	  "responses_by_class": [N,N,N,N,N],    // 1xx, 2xx, 3xx, 4xx, 5xx
//	  "bad_requests": N, "timeouts": N,
//	  "bad_requests_by_reason": {"missing required Host header": N, ...},
//	                                        // absent until a request is refused
//	  "bytes_in": N, "bytes_out": N,        // HTTP bytes consumed / sent
//	  "connections_accepted": N, "connections_closed": N,
//	  "connections_open": N,                // gauge
//	  "draining": false,                    // graceful Shutdown has begun
//	  "time": "2006-01-02T15:04:05.999999999Z07:00", // when read
//	  "loops": [{"name": "...", "connections_open": N, "requests": N}],
//	  "queued_output_bytes": N,             // gauge: sum over tcp_loops
//	  "functor_queue_delay_max_ns": N,      // max over tcp_loops
//	  "tcp_loops": [{"loop": "...", "connections_open": N,
//	      "connections_accepted": N, "connections_closed": N,
//	      "bytes_in": N, "bytes_out": N, "queued_output_bytes": N,
//	      "functor_queue_delay_ns": N, "load": N}]
//	}
//
// Counters only grow; the gauges are marked.
type Vars struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Addr string `json:"addr"`
	Stats
	QueuedOut     int64           `json:"queued_output_bytes"`
	QueueDelayMax time.Duration   `json:"functor_queue_delay_max_ns"`
	TCPLoops      []tcp.LoopStats `json:"tcp_loops"`
}

// Vars returns the server's counters as PublishExpvar publishes them. It
// also probes every running IO loop's functor-queue delay
// (reactor.EventLoop.Probe), so the delays reported are those measured
// since the previous call: read it periodically (e.g. once a second) for
// fresh ones. Safe from any goroutine after Start.
func (s *Server) Vars() Vars {
	tv := s.tcp.Vars()
	return Vars{Kind: ExpvarKind, Name: s.opts.name, Addr: tv.Addr, Stats: s.Stats(),
		QueuedOut: tv.QueuedOut, QueueDelayMax: tv.QueueDelayMax, TCPLoops: tv.Loops}
}

// PublishExpvar publishes the server's Vars through expvar under name
// (conventionally "muduo_http"), read afresh on every read of the
// variables, e.g. GET /debug/vars (see debug.Mount). The /debug/status page
// of debug.Mount shows this server from it. Call it after Start. expvar
// names are process-wide and permanent: it returns an error, rather than
// panicking as expvar.Publish does, when name is taken.
func (s *Server) PublishExpvar(name string) error {
	if s.tcp == nil {
		return errors.New("http: PublishExpvar before Start")
	}
	if err := publishFunc(name, func() any { return s.Vars() }); err != nil {
		return err
	}
	s.varsName.Store(&name)
	return nil
}

// publishFunc publishes f under name, or reports that name is taken.
func publishFunc(name string, f func() any) (err error) {
	if name == "" {
		return errors.New("http: empty expvar name")
	}
	if expvar.Get(name) != nil {
		return fmt.Errorf("http: expvar %q already published", name)
	}
	defer func() {
		if recover() != nil { // lost a race with another Publish of name
			err = fmt.Errorf("http: expvar %q already published", name)
		}
	}()
	expvar.Publish(name, expvar.Func(f))
	return nil
}

// PublishRuntimeExpvar publishes the process-wide variables the
// /debug/status page and soak tools read, next to the "cmdline" and
// "memstats" that the expvar package itself publishes:
//
//	"goroutines": N   // runtime.NumGoroutine()
//	"gomaxprocs": N   // runtime.GOMAXPROCS(0)
//	"rss_bytes":  N   // resident set size from /proc/self/statm, 0 if unknown
//
// Idempotent: a name that is already published is left alone.
func PublishRuntimeExpvar() {
	vars := []struct {
		name string
		f    func() any
	}{
		{"goroutines", func() any { return runtime.NumGoroutine() }},
		{"gomaxprocs", func() any { return runtime.GOMAXPROCS(0) }},
		{"rss_bytes", func() any { return rssBytes() }},
	}
	for _, v := range vars {
		_ = publishFunc(v.name, v.f)
	}
}

// rssBytes reads the resident set size of the process (Linux), or 0.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// ExpvarName returns the name the server's variables were published under
// by PublishExpvar, or "" if they were not. Safe from any goroutine.
func (s *Server) ExpvarName() string {
	if n := s.varsName.Load(); n != nil {
		return *n
	}
	return ""
}

// Name returns the server's name (WithName).
func (s *Server) Name() string { return s.opts.name }

package tcp

import (
	"errors"
	"expvar"
	"fmt"
	"time"
)

// ExpvarKind is the "kind" member of the JSON that Server.PublishExpvar
// publishes, by which a reader of /debug/vars recognises a TCP server.
const ExpvarKind = "muduo-tcp"

// Vars is a Server's counters summed over its IO loops, with the loops'
// own: what PublishExpvar publishes. JSON shape:
//
//	{"kind": "muduo-tcp", "name": "...", "addr": "127.0.0.1:9090",
//	 "connections_open": N,             // gauge
//	 "connections_accepted": N, "connections_closed": N,
//	 "bytes_in": N, "bytes_out": N,
//	 "bytes_sendfile": N,               // of bytes_out, by sendfile(2)
//	 "queued_output_bytes": N,          // gauge
//	 "functor_queue_delay_max_ns": N,   // max over the loops
//	 "loops": [LoopStats...],
//	 "tls": TLSStats}                   // with WithTLS only
type Vars struct {
	Kind          string        `json:"kind"`
	Name          string        `json:"name"`
	Addr          string        `json:"addr"`
	Open          int64         `json:"connections_open"`
	Accepted      uint64        `json:"connections_accepted"`
	Closed        uint64        `json:"connections_closed"`
	BytesIn       uint64        `json:"bytes_in"`
	BytesOut      uint64        `json:"bytes_out"`
	BytesSendFile uint64        `json:"bytes_sendfile"`
	QueuedOut     int64         `json:"queued_output_bytes"`
	QueueDelayMax time.Duration `json:"functor_queue_delay_max_ns"`
	Loops         []LoopStats   `json:"loops"`
	TLS           *TLSStats     `json:"tls,omitempty"` // with WithTLS only
}

// Vars returns the server's counters. It also probes the functor-queue
// delay of every running IO loop (reactor.EventLoop.Probe), so the delays
// reported are those measured since the previous call: call it
// periodically for fresh ones. Safe from any goroutine after Start.
func (s *Server) Vars() Vars {
	for _, cs := range s.setList {
		if cs.loop.Running() {
			cs.loop.Probe()
		}
	}
	v := Vars{Kind: ExpvarKind, Name: s.opts.name, Addr: s.Addr().String(), Loops: s.Stats()}
	if s.cfg.tls != nil {
		st := s.TLSStats()
		v.TLS = &st
	}
	for _, l := range v.Loops {
		v.Open += l.Open
		v.Accepted += l.Accepted
		v.Closed += l.Closed
		v.BytesIn += l.BytesIn
		v.BytesOut += l.BytesOut
		v.BytesSendFile += l.BytesSendFile
		v.QueuedOut += l.QueuedOut
		v.QueueDelayMax = max(v.QueueDelayMax, l.QueueDelay)
	}
	return v
}

// PublishExpvar publishes the server's Vars through expvar under name,
// read afresh on every read of the variables (e.g. GET /debug/vars of an
// HTTP server's debug routes). Call it after Start. expvar names are
// process-wide and permanent: it returns an error, rather than panicking
// as expvar.Publish does, when name is taken.
func (s *Server) PublishExpvar(name string) (err error) {
	if !s.started.Load() {
		return errors.New("tcp: PublishExpvar before Start")
	}
	if name == "" {
		return errors.New("tcp: empty expvar name")
	}
	if expvar.Get(name) != nil {
		return fmt.Errorf("tcp: expvar %q already published", name)
	}
	defer func() {
		if recover() != nil { // lost a race with another Publish of name
			err = fmt.Errorf("tcp: expvar %q already published", name)
		}
	}()
	expvar.Publish(name, expvar.Func(func() any { return s.Vars() }))
	return nil
}

package tcp

import "time"

// LoopStats is one IO loop's share of a Server's connections and traffic.
type LoopStats struct {
	Loop        string        `json:"loop"`
	Open        int64         `json:"connections_open"`
	Accepted    uint64        `json:"connections_accepted"`
	Closed      uint64        `json:"connections_closed"`
	BytesIn     uint64        `json:"bytes_in"`
	BytesOut    uint64        `json:"bytes_out"`
	QueuedOut   int64         `json:"queued_output_bytes"`
	QueueDelay  time.Duration `json:"functor_queue_delay_ns"`
	Connections int64         `json:"load"`
}

// Stats returns every IO loop's counters. Safe from any goroutine; the set
// is not one atomic snapshot. Connection counts are exact when read; byte
// counts are those of the loop's last completed iteration (each loop
// publishes them as it finishes one, so a read or write pays no atomic
// operation): anything asked over a connection after an answer arrived
// sees the bytes behind that answer. The functor-queue delay is the latest
// probe's (see reactor.EventLoop.Probe).
func (s *Server) Stats() []LoopStats {
	out := make([]LoopStats, 0, len(s.setList))
	for _, cs := range s.setList {
		if cs.loop.InLoop() {
			cs.publish() // asked from this loop: include its own iteration
		}
		out = append(out, LoopStats{
			Loop:        cs.loop.Name(),
			Open:        cs.open.Load(),
			Accepted:    cs.accepted.Load(),
			Closed:      cs.closed.Load(),
			BytesIn:     cs.bytesIn.Load(),
			BytesOut:    cs.bytesOut.Load(),
			QueuedOut:   cs.queued.Load(),
			QueueDelay:  cs.loop.QueueDelay(),
			Connections: cs.loop.Load(),
		})
	}
	return out
}

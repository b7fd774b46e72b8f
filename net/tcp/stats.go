package tcp

import (
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// LoopStats is one IO loop's share of a Server's connections and traffic.
type LoopStats struct {
	Loop     string `json:"loop"`
	Open     int64  `json:"connections_open"`
	Accepted uint64 `json:"connections_accepted"`
	Closed   uint64 `json:"connections_closed"`
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
	// BytesSendFile is the part of BytesOut that went from files to
	// sockets by sendfile(2) (SendFile), never copied through memory.
	BytesSendFile uint64        `json:"bytes_sendfile"`
	QueuedOut     int64         `json:"queued_output_bytes"`
	QueueDelay    time.Duration `json:"functor_queue_delay_ns"`
	Connections   int64         `json:"load"`
}

// StatsSyncTimeout bounds how long Stats waits for a busy loop to publish
// its counts before it reports the ones published last.
const StatsSyncTimeout = 100 * time.Millisecond

// Stats returns every IO loop's counters. Safe from any goroutine; the set
// is not one atomic snapshot. The loops count bytes in plain fields and
// publish them as each iteration ends (a read or write pays no atomic
// operation), so Stats first has every loop publish: called off the loops
// it waits for each (at most StatsSyncTimeout for a busy one), so the
// counts cover every byte a peer has been answered for; called from a loop
// goroutine it publishes that loop at once and takes the others as last
// published, since waiting there could hold two loops up on each other.
// The functor-queue delay is the latest probe's (see
// reactor.EventLoop.Probe).
func (s *Server) Stats() []LoopStats {
	reactor.SyncEach(s.setList, func(cs *connSet) *reactor.EventLoop { return cs.loop }, (*connSet).publish, StatsSyncTimeout)
	out := make([]LoopStats, 0, len(s.setList))
	for _, cs := range s.setList {
		out = append(out, LoopStats{
			Loop:          cs.loop.Name(),
			Open:          cs.open.Load(),
			Accepted:      cs.accepted.Load(),
			Closed:        cs.closed.Load(),
			BytesIn:       cs.bytesIn.Load(),
			BytesOut:      cs.bytesOut.Load(),
			BytesSendFile: cs.bytesSendFile.Load(),
			QueuedOut:     cs.queued.Load(),
			QueueDelay:    cs.loop.QueueDelay(),
			Connections:   cs.loop.Load(),
		})
	}
	return out
}

package http

import (
	"encoding/json"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Stats is a snapshot of a server's counters. Counters only grow; Open is
// a gauge.
type Stats struct {
	Requests    uint64      `json:"requests"`
	Responses   [5]uint64   `json:"responses_by_class"` // 1xx..5xx
	BadRequests uint64      `json:"bad_requests"`
	Timeouts    uint64      `json:"timeouts"`
	BytesIn     uint64      `json:"bytes_in"`
	BytesOut    uint64      `json:"bytes_out"`
	Accepted    uint64      `json:"connections_accepted"`
	Closed      uint64      `json:"connections_closed"`
	Hijacked    uint64      `json:"connections_hijacked"` // handed over by Hijack; no longer counted as open
	Open        int64       `json:"connections_open"`
	Loops       []LoopStats `json:"loops"`
	Draining    bool        `json:"draining"`
	Time        time.Time   `json:"time"`

	// BadRequestReasons counts the requests refused for malformed or
	// oversized input (and 408s), by the reason their response named
	// (Error.Reason); reasons never seen are absent.
	BadRequestReasons map[string]uint64 `json:"bad_requests_by_reason,omitempty"`
}

// LoopStats is one IO loop's share.
type LoopStats struct {
	Name     string `json:"name"`
	Open     int64  `json:"connections_open"`
	Requests uint64 `json:"requests"`
}

// Stats returns the server's counters, summed over its loops. Safe from
// any goroutine; the numbers are read one after the other, not as one
// snapshot. The loops count requests, responses and bytes in plain fields
// and publish them as each iteration ends (serving a request costs no
// atomic operation), so Stats first has every loop publish, by the rules
// of tcp.Server.Stats: called off the loops it waits for each (at most
// tcp.StatsSyncTimeout for a busy one), so everything a client has been
// answered is counted; called from a handler on a loop, that loop's
// counts, its own request included, are current and the others' as last
// published. Connection counts are always exact when read.
func (s *Server) Stats() Stats {
	st := Stats{Time: time.Now(), Draining: s.Draining()}
	s.stateMu.Lock()
	states := make([]*loopState, 0, len(s.states))
	for _, l := range s.tcp.Loops() {
		if ls := s.states[l]; ls != nil {
			states = append(states, ls)
		}
	}
	s.stateMu.Unlock()
	// Outside stateMu: a loop may need it (a new connection) before it
	// gets to the publish functor.
	reactor.SyncEach(states, func(ls *loopState) *reactor.EventLoop { return ls.loop },
		func(ls *loopState) { ls.stats.publish() }, tcp.StatsSyncTimeout)
	for _, ls := range states {
		ps := &ls.stats
		st.Requests += ps.requests.Load()
		for i := 1; i <= 5; i++ {
			st.Responses[i-1] += ps.responses[i].Load()
		}
		st.BadRequests += ps.badRequests.Load()
		for i, e := range errorsByIndex {
			if n := ps.badReasons[i].Load(); n > 0 {
				if st.BadRequestReasons == nil {
					st.BadRequestReasons = make(map[string]uint64)
				}
				st.BadRequestReasons[e.Reason] += n
			}
		}
		st.Timeouts += ps.timeouts.Load()
		st.BytesIn += ps.bytesIn.Load()
		st.BytesOut += ps.bytesOut.Load()
		st.Accepted += ps.accepted.Load()
		st.Closed += ps.closed.Load()
		st.Hijacked += ps.hijacked.Load()
		open := ls.conns.n.Load()
		st.Open += open
		st.Loops = append(st.Loops, LoopStats{Name: ls.loop.Name(), Open: open, Requests: ps.requests.Load()})
	}
	return st
}

// StatsHandler serves the server's Stats as JSON, for mounting on a path
// of the server's own router (e.g. rt.GET("/stats", srv.StatsHandler())).
// Nil-safe to create before Start; it reads the counters per request.
func (s *Server) StatsHandler() HandlerFunc {
	return func(w *ResponseWriter, _ *Request) {
		b, err := json.Marshal(s.Stats())
		if err != nil {
			WriteError(w, StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b)
	}
}

package http

import (
	"encoding/json"
	"time"
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
	Open        int64       `json:"connections_open"`
	Loops       []LoopStats `json:"loops"`
	Draining    bool        `json:"draining"`
	Time        time.Time   `json:"time"`
}

// LoopStats is one IO loop's share.
type LoopStats struct {
	Name     string `json:"name"`
	Open     int64  `json:"connections_open"`
	Requests uint64 `json:"requests"`
}

// Stats returns the server's counters, summed over its loops. Safe from
// any goroutine; the numbers are read one after the other, not as one
// snapshot. Connection counts are exact when read; request, response and
// byte counts are those of each loop's last completed iteration (a loop
// publishes them as it finishes one, so that serving a request costs no
// atomic operation): a request that arrives after an answer was sent, on
// any connection, sees the answer counted, and a handler - on the loop, or
// on the goroutine a detached response was handed to - sees its own
// request counted.
func (s *Server) Stats() Stats {
	st := Stats{Time: time.Now(), Draining: s.Draining()}
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	for _, l := range s.tcp.Loops() {
		ls := s.states[l]
		if ls == nil {
			continue
		}
		ps := &ls.stats
		if ls.loop.InLoop() {
			// A handler on this loop: its own request, counted in this
			// iteration, is not published yet.
			ps.publish()
		}
		st.Requests += ps.requests.Load()
		for i := 1; i <= 5; i++ {
			st.Responses[i-1] += ps.responses[i].Load()
		}
		st.BadRequests += ps.badRequests.Load()
		st.Timeouts += ps.timeouts.Load()
		st.BytesIn += ps.bytesIn.Load()
		st.BytesOut += ps.bytesOut.Load()
		st.Accepted += ps.accepted.Load()
		st.Closed += ps.closed.Load()
		open := ls.conns.n.Load()
		st.Open += open
		st.Loops = append(st.Loops, LoopStats{Name: l.Name(), Open: open, Requests: ps.requests.Load()})
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

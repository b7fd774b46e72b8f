package http

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// loopState is what the HTTP server keeps per IO loop, so that nothing a
// request needs is shared between loops or allocated per request: the Date
// header (formatted once a second by a loop timer), the output batch, a
// reusable ResponseWriter, the loop's connections (for the timeout sweep)
// and its counters. Loop goroutine only, except the atomic counters.
type loopState struct {
	srv  *Server
	loop *reactor.EventLoop

	date   []byte // "Date: <IMF-fixdate>\r\n"
	okHead []byte // "HTTP/1.1 200 OK\r\n", the Server field if any, date: most heads start so
	out    []byte // responses of the current message callback, one write
	tmp    []byte // scratch for building one response
	coded  []byte // scratch for an encoded body (encode.go)
	w      *ResponseWriter

	rsFree []*reqState  // parsing states not lent to a connection
	info   ResponseInfo // for the hooks of the responses the server makes itself

	conns struct {
		head *conn
		n    atomic.Int64
	}
	stats loopStats

	tickID reactor.TimerID // the once-a-second tick
	unhook func()          // removes stats.publish from the loop
}

func newLoopState(srv *Server, loop *reactor.EventLoop) *loopState {
	ls := &loopState{srv: srv, loop: loop, out: make([]byte, 0, 4096), tmp: make([]byte, 0, 1024)}
	ls.updateDate(time.Now())
	ls.tickID = loop.RunEvery(time.Second, ls.tick)
	ls.unhook = loop.OnIterationEnd(ls.stats.publish)
	return ls
}

// detach stops the loop's work for a server that has stopped: its loops
// may outlive it (a base loop of the caller's). Safe from any goroutine.
func (ls *loopState) detach() {
	ls.loop.Cancel(ls.tickID)
	ls.unhook()
}

// writer returns the loop's ResponseWriter for the next request; a handler
// that detached the previous one took it away, so a new one is made.
func (ls *loopState) writer() *ResponseWriter {
	if ls.w == nil {
		ls.w = &ResponseWriter{}
	}
	return ls.w
}

// getReqState lends a connection the parsing state for a request.
func (ls *loopState) getReqState() *reqState {
	if n := len(ls.rsFree); n > 0 {
		rs := ls.rsFree[n-1]
		ls.rsFree[n-1] = nil
		ls.rsFree = ls.rsFree[:n-1]
		return rs
	}
	rs := &reqState{}
	rs.p.SetLimits(ls.srv.limits)
	rs.reset(ls.srv.limits)
	return rs
}

// maxFreeReqStates bounds the loop's spare parsing states. A request that
// arrives whole borrows one and gives it back in the same callback, so a
// busy loop needs very few; states lent to connections mid-request are not
// counted here. Keeping a burst's worth would cost idle memory for good
// (at 20,000 keep-alive connections, 4096 spares were 90 bytes each).
const maxFreeReqStates = 64

// putReqState takes a parsing state back, reset for its next request.
func (ls *loopState) putReqState(rs *reqState) {
	if len(ls.rsFree) >= maxFreeReqStates {
		return
	}
	if !rs.clean || rs.p.state != stStart {
		// A request failed, or the connection closed mid-request. (The
		// state check is a second guard: a failed parser handed to the
		// next connection would refuse that client's valid requests.)
		rs.reset(ls.srv.limits)
	}
	ls.rsFree = append(ls.rsFree, rs)
}

func (ls *loopState) updateDate(now time.Time) {
	d := append(ls.date[:0], "Date: "...)
	d = now.UTC().AppendFormat(d, "Mon, 02 Jan 2006 15:04:05 GMT")
	ls.date = append(d, "\r\n"...)
	h := appendStatusLine(ls.okHead[:0], StatusOK)
	if ls.srv.serverName != "" {
		h = append(h, ls.srv.serverHeader...)
	}
	ls.okHead = append(h, ls.date...)
}

// tick runs every second on the loop: refresh the Date header and close the
// connections whose header, body or idle deadline has passed.
func (ls *loopState) tick() {
	now := time.Now()
	ls.updateDate(now)
	nano := now.UnixNano()
	for c := ls.conns.head; c != nil; {
		next := c.next
		if c.deadline != 0 && nano > c.deadline && !c.closing {
			ls.timeout(c)
		}
		c = next
	}
}

// timeout ends a connection whose deadline passed: a client stalled in a
// request gets 408 (RFC 9110 15.5.9) and a close; an idle keep-alive
// connection is simply closed.
func (ls *loopState) timeout(c *conn) {
	kind := c.deadlineKind
	c.deadline, c.deadlineKind = 0, dlNone
	ls.stats.timeouts.Add(1)
	if kind == dlBody && c.stream != nil {
		// A handler is reading this body: it learns of the timeout
		// from its Read, and its response ends the connection.
		c.abortStream(ErrBodyTimeout)
		c.tc.Input().RetrieveAll()
		c.maybeClose()
		return
	}
	if (kind == dlIdle || kind == dlWrite) && c.sendingProgress() {
		c.setDeadline(kind) // a file is going out to a client that reads it
		return
	}
	if kind == dlIdle || kind == dlWrite || (kind == dlHeader && c.tc.Input().ReadableBytes() == 0) {
		c.closeAfter = true
		c.closing = true
		c.tc.ForceClose()
		return
	}
	c.fail(errRequestTimeout)
	c.flushBatch()
	c.maybeClose()
}

func (ls *loopState) add(c *conn) {
	c.prev, c.next = nil, ls.conns.head
	if ls.conns.head != nil {
		ls.conns.head.prev = c
	}
	ls.conns.head = c
	ls.conns.n.Add(1)
}

func (ls *loopState) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else if ls.conns.head == c {
		ls.conns.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
	ls.conns.n.Add(-1)
}

// loopStats are one loop's counters: written by the loop, read by anyone.
// The per-request ones are counted in plain fields (counts) and published
// to the atomics at the end of each loop iteration (publish, an iteration
// hook): four atomic adds per request were measurable. The rare events are
// counted atomically where they happen.
type loopStats struct {
	requests    atomic.Uint64
	responses   [6]atomic.Uint64 // by class: index 1..5 for 1xx..5xx
	bytesIn     atomic.Uint64
	bytesOut    atomic.Uint64
	badRequests atomic.Uint64
	timeouts    atomic.Uint64
	accepted    atomic.Uint64
	closed      atomic.Uint64
	hijacked    atomic.Uint64
	badReasons  [maxErrors]atomic.Uint64 // refused requests, by errorsByIndex

	counts, published hotCounts // loop goroutine only
}

// hotCounts are the counters every request moves.
type hotCounts struct {
	requests, bytesIn, bytesOut uint64
	responses                   [6]uint64
}

func (s *loopStats) countStatus(code int) {
	if c := code / 100; c >= 1 && c <= 5 {
		s.counts.responses[c]++
	}
}

// publish stores the counts that changed since the last iteration.
func (s *loopStats) publish() {
	c, p := &s.counts, &s.published
	if *c == *p {
		return
	}
	if c.requests != p.requests {
		s.requests.Store(c.requests)
	}
	if c.bytesIn != p.bytesIn {
		s.bytesIn.Store(c.bytesIn)
	}
	if c.bytesOut != p.bytesOut {
		s.bytesOut.Store(c.bytesOut)
	}
	for i := range c.responses {
		if c.responses[i] != p.responses[i] {
			s.responses[i].Store(c.responses[i])
		}
	}
	*p = *c
}

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

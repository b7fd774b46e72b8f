package http

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Hijack implements http.Hijacker for adapted handlers (WebSocket
// libraries, CONNECT tunnels): it takes the connection over and returns it
// as a blocking net.Conn. Bytes the client sent after the request are the
// first the net.Conn reads. It fails once the response head was written
// or while the request body is still being read.
func (s *stdWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if s.hijacked.Load() {
		return nil, nil, errors.New("http: connection already hijacked")
	}
	if s.flushed {
		return nil, nil, ErrHijackHeadSent
	}
	w := s.w
	hc := newHijackConn(w.c)
	if s.wroteHeader {
		// As net/http: a head written before Hijack (the 101 of a
		// WebSocket library that answers the handshake itself) goes out
		// first; a body written but not flushed does not.
		hc.head = appendStdHead(nil, s.status, s.final)
	}
	res := make(chan error, 1)
	w.c.ls.loop.RunInLoop(func() { res <- w.c.hijackDetached(w, hc.callbacks()) })
	if err := <-res; err != nil {
		return nil, nil, err
	}
	s.hijacked.Store(true)
	if hc.head != nil {
		if _, err := hc.Write(hc.head); err != nil {
			return nil, nil, err
		}
	}
	return hc, bufio.NewReadWriter(bufio.NewReader(hc), bufio.NewWriter(hc)), nil
}

// hijackDetached hands the connection of a detached response over to cb at
// once (the net/http adapter's Hijack). Loop only.
func (c *conn) hijackDetached(w *ResponseWriter, cb HijackCallbacks) error {
	if c.isClosed() {
		return ErrConnClosed
	}
	if c.stream != nil && c.stream.slot == w.slot {
		return ErrHijackBody
	}
	if w.slot != c.tail {
		return ErrHijackPipelined
	}
	w.mu.Lock()
	if w.finished || w.headerSent {
		w.mu.Unlock()
		return ErrHijackHeadSent
	}
	w.finished = true
	w.hijack = &callbackHandler{cb}
	w.mu.Unlock()
	c.finishDetached(w)
	return nil
}

// Bounds on what a hijacked net.Conn buffers: reading from the client
// stops while this much waits for Read, and Write blocks while the
// connection has more than hijackWriteHigh bytes queued for the client.
const (
	hijackReadHigh  = 256 << 10
	hijackReadLow   = 64 << 10
	hijackWriteHigh = 256 << 10
)

// hijackConn is a hijacked connection as a net.Conn: the loop feeds what
// it reads into buf; Write hands bytes to the loop and waits for them to
// be queued. Safe for concurrent use, as net.Conn requires.
type hijackConn struct {
	tc     *tcp.Conn
	linger time.Duration

	mu       sync.Mutex
	buf      []byte
	rerr     error    // io.EOF once the client closed its side
	gone     bool     // the connection closed
	closed   bool     // Close was called
	stopped  bool     // the loop stopped reading because buf is full
	rdl, wdl deadline // net.Conn deadlines; waits follow their moves

	head    []byte        // a head the handler wrote before Hijack, sent first
	started chan struct{} // closed at the handover: earlier responses have gone

	readable chan struct{} // wakes a blocked Read (data, error, deadline change)
	drained  chan struct{} // wakes a Write waiting for the output to drain
	goneCh   chan struct{} // closed when the connection closes

	wmu   sync.Mutex    // one Write at a time, so the queued bytes keep their order
	wdone chan struct{} // the loop took the current Write's bytes
}

func newHijackConn(c *conn) *hijackConn {
	return &hijackConn{
		tc:       c.tc,
		linger:   c.ls.srv.lingerTimeout,
		started:  make(chan struct{}),
		readable: make(chan struct{}, 1),
		drained:  make(chan struct{}, 1),
		goneCh:   make(chan struct{}),
		wdone:    make(chan struct{}, 1),
	}
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// callbacks are the loop's side.
func (h *hijackConn) callbacks() HijackCallbacks {
	return HijackCallbacks{
		Start: func(tc *tcp.Conn, in *buffer.Buffer) {
			close(h.started)
			h.feed(tc, in)
		},
		Message: func(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) { h.feed(tc, in) },
		HalfClose: func(*tcp.Conn) {
			h.mu.Lock()
			if h.rerr == nil {
				h.rerr = io.EOF
			}
			h.mu.Unlock()
			notify(h.readable)
		},
		// A graceful shutdown leaves the connection to its handler,
		// which net/http tells through RegisterOnShutdown; unlike
		// net/http's, this server's Shutdown waits for it (its loops
		// serve it) and closes it when the context ends.
		Shutdown: func(*tcp.Conn) {},
		Close: func(*tcp.Conn) {
			h.mu.Lock()
			h.gone = true
			if h.rerr == nil {
				h.rerr = io.EOF
			}
			h.mu.Unlock()
			close(h.goneCh)
			notify(h.readable)
		},
	}
}

func (h *hijackConn) feed(tc *tcp.Conn, in *buffer.Buffer) {
	if in.ReadableBytes() == 0 {
		return
	}
	h.mu.Lock()
	if !h.closed {
		h.buf = append(h.buf, in.Peek()...)
	}
	stop := len(h.buf) > hijackReadHigh && !h.stopped
	if stop {
		h.stopped = true
	}
	h.mu.Unlock()
	in.RetrieveAll()
	if stop {
		tc.StopRead() // resumed by Read below the low-water mark
	}
	notify(h.readable)
}

// Read implements net.Conn.
func (h *hijackConn) Read(p []byte) (int, error) {
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return 0, net.ErrClosed
		}
		if len(h.buf) > 0 {
			n := copy(p, h.buf)
			h.buf = h.buf[n:]
			if len(h.buf) == 0 {
				h.buf = nil
			}
			resume := h.stopped && len(h.buf) < hijackReadLow
			if resume {
				h.stopped = false
			}
			h.mu.Unlock()
			if resume {
				h.tc.StartRead()
			}
			return n, nil
		}
		if h.rerr != nil {
			err := h.rerr
			h.mu.Unlock()
			return 0, err
		}
		h.mu.Unlock()
		if err := waitDeadline(h.readable, nil, &h.rdl); err != nil {
			return 0, err
		}
	}
}

// Write implements net.Conn: p is queued on the loop before Write returns,
// and Write waits while too much output is queued for a client that does
// not read.
func (h *hijackConn) Write(p []byte) (int, error) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	h.mu.Lock()
	closed, gone := h.closed, h.gone
	h.mu.Unlock()
	switch {
	case closed:
		return 0, net.ErrClosed
	case gone:
		return 0, io.ErrClosedPipe
	case h.wdl.passed():
		return 0, os.ErrDeadlineExceeded
	case len(p) == 0:
		return 0, nil
	}
	// Until the handover, earlier pipelined responses are still going
	// out: the new protocol's bytes must not overtake them.
	select {
	case <-h.started:
	case <-h.goneCh:
		return 0, io.ErrClosedPipe
	}
	var full bool
	h.tc.Loop().RunInLoop(func() {
		if h.tc.Send(p) == nil && h.tc.OutputBytes() > hijackWriteHigh {
			full = true
			h.tc.SetWriteCompleteCallback(func(tc *tcp.Conn) {
				tc.SetWriteCompleteCallback(nil)
				notify(h.drained)
			})
		}
		h.wdone <- struct{}{}
	})
	select {
	case <-h.wdone:
	case <-h.goneCh:
		return 0, io.ErrClosedPipe // the loop may never run the send
	}
	if full {
		// p is queued; the deadline only bounds the wait for the drain.
		if err := waitDeadline(h.drained, h.goneCh, &h.wdl); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// Close implements net.Conn: queued output is sent, then the connection
// is half-closed, and closed for good when the client closes or after the
// server's linger timeout.
func (h *hijackConn) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return net.ErrClosed
	}
	h.closed = true
	h.buf = nil
	h.mu.Unlock()
	notify(h.readable)
	tc, linger := h.tc, h.linger
	tc.Loop().RunInLoop(func() {
		tc.Shutdown()
		tc.ForceCloseWithDelay(linger)
	})
	return nil
}

// LocalAddr implements net.Conn.
func (h *hijackConn) LocalAddr() net.Addr { return net.TCPAddrFromAddrPort(h.tc.LocalAddr()) }

// RemoteAddr implements net.Conn.
func (h *hijackConn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(h.tc.PeerAddr()) }

// SetDeadline implements net.Conn.
func (h *hijackConn) SetDeadline(t time.Time) error {
	_ = h.SetReadDeadline(t)
	return h.SetWriteDeadline(t)
}

// SetReadDeadline implements net.Conn; a blocked Read sees the change.
func (h *hijackConn) SetReadDeadline(t time.Time) error {
	h.rdl.set(t)
	return nil
}

// SetWriteDeadline implements net.Conn; a Write waiting for the client
// to drain its output sees the change.
func (h *hijackConn) SetWriteDeadline(t time.Time) error {
	h.wdl.set(t)
	return nil
}

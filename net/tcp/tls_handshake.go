package tcp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// The handshake side of a TLS connection. crypto/tls's handshake is a
// sequential function that reads and writes a net.Conn, so it runs on a
// goroutine of its own, against recordConn in its blocking mode: the loop
// feeds it the bytes it reads, and the handshake's writes are queued onto
// the loop, which sends them. When the handshake returns, the goroutine
// queues the result onto the loop and goes on to the next waiting
// handshake, or ends: an established connection has no goroutine.

// maxHandshakeInput bounds what the loop takes from a peer while its
// handshake runs. A ClientHello is a few hundred bytes and a client's
// certificate chain a few kilobytes, but a TLS 1.3 client may follow its
// Finished with any amount of data before the server has read that
// Finished (its handshake is done as soon as it sent it): past the bound
// the loop stops reading, so TCP holds the rest until the handshake ends.
const maxHandshakeInput = 256 << 10

// errShimClosed is what the handshake reads once the connection closed.
var errShimClosed = errors.New("tcp: tls: connection closed")

// errWouldBlock is what recordConn's Read returns on the loop when the
// bytes read so far are used up. crypto/tls does not keep a temporary
// net.Error (it keeps a partial record in its own input buffer), so the
// next Read, after more bytes arrived, carries on where this one stopped.
type errWouldBlock struct{}

func (errWouldBlock) Error() string   { return "tcp: tls: no more input (would block)" }
func (errWouldBlock) Timeout() bool   { return false }
func (errWouldBlock) Temporary() bool { return true }

// recordConn is the net.Conn under a tls.Conn: the bytes on the wire.
// While the handshake runs (live false) it is used by the handshake's
// goroutine, under mu; once the handshake is done the loop alone uses it:
// Read returns the bytes of the current read event (src) and then
// errWouldBlock, and Write appends records to the loop's record buffer,
// sent when the tls.Conn call returns.
type recordConn struct {
	c    *Conn
	live bool // handshake done: loop only from then on

	// Established: loop only.
	src []byte // ciphertext of the read event being decrypted
	out *[]byte

	// Handshake: shared by the loop and the handshake's goroutine.
	mu     sync.Mutex
	cond   sync.Cond
	in     []byte // ciphertext received, not yet read by the handshake
	eof    bool   // the peer closed its side
	closed bool   // the connection closed
}

func (r *recordConn) Read(p []byte) (int, error) {
	if r.live {
		if len(r.src) == 0 {
			return 0, errWouldBlock{}
		}
		n := copy(p, r.src)
		r.src = r.src[n:]
		return n, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.in) == 0 && !r.eof && !r.closed {
		r.cond.Wait()
	}
	switch {
	case r.closed:
		return 0, errShimClosed
	case len(r.in) > 0:
		n := copy(p, r.in)
		r.in = r.in[n:]
		if len(r.in) == 0 {
			r.in = nil
		}
		return n, nil
	default:
		return 0, io.EOF
	}
}

func (r *recordConn) Write(p []byte) (int, error) {
	if r.live {
		*r.out = append(*r.out, p...)
		return len(p), nil
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return 0, errShimClosed
	}
	b := append([]byte(nil), p...)
	c := r.c
	c.ch.Loop().QueueInLoop(func() { c.writeInLoop(b) })
	return len(p), nil
}

// feed hands the handshake bytes read by the loop (copied: they are in
// the loop's scratch). It reports false once maxHandshakeInput is held:
// the loop then stops reading until the handshake is done.
func (r *recordConn) feed(p []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.in = append(r.in, p...)
	r.cond.Signal()
	return len(r.in) < maxHandshakeInput
}

// feedEOF tells the handshake that the peer closed its side.
func (r *recordConn) feedEOF() {
	r.mu.Lock()
	r.eof = true
	r.cond.Signal()
	r.mu.Unlock()
}

// Close ends a handshake in progress: its Read returns errShimClosed.
func (r *recordConn) Close() error {
	r.mu.Lock()
	r.closed = true
	r.cond.Signal()
	r.mu.Unlock()
	return nil
}

// helloArrived reports whether the handshake is worth a slot: the first
// record (the ClientHello) is complete, or what came is no TLS handshake
// record at all (crypto/tls refuses it at once). A peer that connects and
// stalls, or sends half a ClientHello, takes no goroutine while it waits
// for its timeout.
func (r *recordConn) helloArrived() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.in) < 5 {
		return false
	}
	const recordTypeHandshake = 22
	n := int(r.in[3])<<8 | int(r.in[4])
	return r.in[0] != recordTypeHandshake || n > 1<<14 || len(r.in) >= 5+n
}

// takeInput returns what the peer sent after its last handshake message
// (a TLS 1.3 client's first request, say); the loop decrypts it.
func (r *recordConn) takeInput() (p []byte, eof bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, r.in = r.in, nil
	return p, r.eof
}

func (r *recordConn) LocalAddr() net.Addr  { return net.TCPAddrFromAddrPort(r.c.local) }
func (r *recordConn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(r.c.peer) }

// The deadlines are the loop's business (the handshake timeout; after the
// handshake nothing blocks): crypto/tls sets one only around close_notify.
func (r *recordConn) SetDeadline(time.Time) error      { return nil }
func (r *recordConn) SetReadDeadline(time.Time) error  { return nil }
func (r *recordConn) SetWriteDeadline(time.Time) error { return nil }

// handshakeQueue runs at most max handshakes at once, each on a goroutine
// that, when its handshake is done, takes the next waiting one.
type handshakeQueue struct {
	mu      sync.Mutex
	max     int
	running int
	waiting []*Conn
}

// submit runs c's handshake now if a slot is free, else queues it.
func (q *handshakeQueue) submit(c *Conn) {
	q.mu.Lock()
	if q.running >= q.max {
		q.waiting = append(q.waiting, c)
		q.mu.Unlock()
		return
	}
	q.running++
	q.mu.Unlock()
	go q.work(c)
}

func (q *handshakeQueue) work(c *Conn) {
	for c != nil {
		c.tls.handshake()
		q.mu.Lock()
		c = nil
		if len(q.waiting) > 0 {
			c = q.waiting[0]
			q.waiting[0] = nil
			q.waiting = q.waiting[1:]
			if len(q.waiting) == 0 {
				q.waiting = nil // let the backing array go
			}
		} else {
			q.running--
		}
		q.mu.Unlock()
	}
}

// handshake runs on a handshake goroutine: it runs crypto/tls's handshake
// and queues its result onto the loop. A panic in a user's callback
// (GetCertificate, VerifyPeerCertificate, ...) fails this handshake only.
func (t *tlsConn) handshake() {
	t.running.Store(time.Now().UnixNano())
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("tcp: tls: panic in handshake: %v", p)
				t.c.ch.Loop().Logger().Error("tcp: tls: panic in handshake", "conn", t.c.Name(), "panic", p)
			}
		}()
		err = t.conn.Handshake()
	}()
	t.c.ch.Loop().QueueInLoop(func() { t.c.tlsHandshakeDone(err) })
}

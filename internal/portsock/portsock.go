// Package portsock is the socket layer of muduo-go's portable backend: TCP
// sockets of Go's net package behind small integer handles that behave like
// the non-blocking file descriptors the epoll backend uses. Reads, writes
// and accepts never block the caller; each returns syscall.EAGAIN when it
// would, and a Notifier watching the handle is told whenever its readiness
// may have changed, so an event loop can poll these handles level-triggered
// just as it polls epoll.
//
// Behind every connected handle a reader goroutine reads into a buffer of
// its own, reading ahead of the loop by a bounded amount (so TCP flow
// control still slows a peer the loop does not read from) and a writer goroutine writes what Write queued, in order, and
// performs a shutdown or close after the bytes queued before it. A
// listening handle has an accept goroutine with a bounded queue; a
// connecting handle a goroutine that runs net.Dialer.
//
// Handles start at Base, far above the numbers a process's real file
// descriptors take, so that one handed to a system call by mistake fails
// with EBADF instead of reaching an unrelated file. Every function is safe
// from any goroutine.
package portsock

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// Base is the first handle number.
const Base = 1 << 20

// Buffer sizes: a connection's reader reads readSize bytes at a time while
// fewer than readAhead are waiting for the loop, and Write takes up to
// sendBuffer bytes while the writer goroutine sends the previous batch
// (the emulated kernel send buffer).
const (
	readSize   = 16 << 10
	readAhead  = 64 << 10
	sendBuffer = 256 << 10
	// acceptQueue bounds the connections accepted ahead of the loop.
	acceptQueue = 128
	// closeLinger bounds how long a closed connection's queued bytes may
	// take to leave (a peer that never reads would otherwise hold the
	// writer goroutine and the socket for ever).
	closeLinger = 10 * time.Second
)

// Notifier is told, from any goroutine, that the readiness of handle fd may
// have changed; it then asks Poll. It must not block.
type Notifier interface {
	Notify(fd int)
}

type kind int

const (
	kindNew        kind = iota // made by Socket, not connected yet
	kindConnecting             // Connect's dial in progress
	kindConn                   // connected
	kindListener
)

// sock is one handle's state. mu guards every field below it.
type sock struct {
	fd   int
	done chan struct{} // closed by Close: stops the goroutines

	mu      sync.Mutex
	kind    kind
	closed  bool
	watcher Notifier

	// connected
	conn        *net.TCPConn
	local, peer netip.AddrPort
	rq          []byte // bytes read; rq[rpos:] not yet taken by Read
	rpos        int
	rerr        error // the read side's end (io.EOF or an error), sticky
	rmore       chan struct{}
	wbuf        []byte // bytes taken by Write, not yet sent
	wspare      []byte
	werr        error // the write side failed
	wmore       chan struct{}
	shutWrite   bool // ShutdownWrite asked: after wbuf drains
	abort       bool // SetLinger0: Close resets, dropping wbuf
	soError     error
	connectDone bool

	// listening
	ln      *net.TCPListener
	queue   []*net.TCPConn
	lerr    error // an accept error not yet reported
	accMore chan struct{}
}

// table maps handles to sockets; freed handles are reused lowest-first, as
// the kernel reuses fds, so that the loops' fd-indexed tables stay dense.
var table struct {
	mu    sync.Mutex
	socks []*sock // index fd - Base
	free  []int   // freed indexes
}

func register(s *sock) int {
	table.mu.Lock()
	defer table.mu.Unlock()
	var i int
	if n := len(table.free); n > 0 {
		// The lowest free index: scan (the list is short under any load
		// that matters for this backend).
		best := 0
		for j := 1; j < n; j++ {
			if table.free[j] < table.free[best] {
				best = j
			}
		}
		i = table.free[best]
		table.free[best] = table.free[n-1]
		table.free = table.free[:n-1]
		table.socks[i] = s
	} else {
		i = len(table.socks)
		table.socks = append(table.socks, s)
	}
	s.fd = Base + i
	return s.fd
}

func lookup(fd int) (*sock, error) {
	i := fd - Base
	table.mu.Lock()
	defer table.mu.Unlock()
	if i < 0 || i >= len(table.socks) || table.socks[i] == nil {
		return nil, syscall.EBADF
	}
	return table.socks[i], nil
}

func unregister(s *sock) {
	table.mu.Lock()
	defer table.mu.Unlock()
	i := s.fd - Base
	if i >= 0 && i < len(table.socks) && table.socks[i] == s {
		table.socks[i] = nil
		table.free = append(table.free, i)
	}
}

// Open returns the number of handles in use (for leak checks in tests).
func Open() int {
	table.mu.Lock()
	defer table.mu.Unlock()
	return len(table.socks) - len(table.free)
}

// notify tells the watcher, if any, outside the lock.
func (s *sock) notify() {
	s.mu.Lock()
	w := s.watcher
	s.mu.Unlock()
	if w != nil {
		w.Notify(s.fd)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Watch makes n the handle's watcher, replacing any other, and notifies it
// at once so that it sees readiness that came before the call.
func Watch(fd int, n Notifier) error {
	s, err := lookup(fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.watcher = n
	s.mu.Unlock()
	n.Notify(fd)
	return nil
}

// Unwatch removes n as the handle's watcher (a watcher that has been
// replaced removes nothing).
func Unwatch(fd int, n Notifier) {
	if s, err := lookup(fd); err == nil {
		s.mu.Lock()
		if s.watcher == n {
			s.watcher = nil
		}
		s.mu.Unlock()
	}
}

// Poll reports whether a read (or accept) and a write would not return
// EAGAIN now, and whether the connection has failed (a reset, a failed
// write): the poller reports that whatever the events of interest, as
// epoll reports EPOLLERR and EPOLLHUP. A connection whose read side ended
// is readable (Read reports the end); a connect that finished, either way,
// is writable.
func Poll(fd int) (readable, writable, failed bool) {
	s, err := lookup(fd)
	if err != nil {
		return false, false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.kind {
	case kindConn:
		readable = s.rpos < len(s.rq) || s.rerr != nil
		writable = len(s.wbuf) < sendBuffer || s.werr != nil || s.shutWrite
		failed = s.werr != nil || s.rerr != nil && !errors.Is(s.rerr, io.EOF)
	case kindListener:
		readable = len(s.queue) > 0 || s.lerr != nil
	case kindNew:
		writable = s.connectDone // a failed connect left it here
	}
	return readable, writable, failed
}

// Socket makes a handle for a TCP connection not yet connected.
func Socket() int {
	return register(&sock{kind: kindNew, done: make(chan struct{})})
}

// Connect starts connecting fd to ap with net.Dialer and returns
// syscall.EINPROGRESS: the handle turns writable when the attempt has
// finished, and SocketError then tells how.
func Connect(fd int, ap netip.AddrPort) error {
	s, err := lookup(fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.kind != kindNew || s.connectDone {
		s.mu.Unlock()
		return syscall.EISCONN
	}
	s.kind = kindConnecting
	s.mu.Unlock()
	go s.dial(ap)
	return syscall.EINPROGRESS
}

func (s *sock) dial(ap netip.AddrPort) {
	ctx, cancel := contextUntilClosed(s.done)
	defer cancel()
	d := net.Dialer{KeepAlive: -1} // no keepalive unless asked for, as on Linux
	c, err := d.DialContext(ctx, "tcp", ap.String())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if c != nil {
			c.Close()
		}
		return
	}
	s.connectDone = true
	if err != nil {
		s.kind = kindNew
		s.soError = errnoOf(err)
		s.mu.Unlock()
		s.notify()
		return
	}
	s.startConnLocked(c.(*net.TCPConn))
	s.mu.Unlock()
	s.notify()
}

// startConnLocked turns s into a connected socket over c and starts its
// reader and writer.
func (s *sock) startConnLocked(c *net.TCPConn) {
	s.kind = kindConn
	s.conn = c
	s.local = addrPortOf(c.LocalAddr())
	s.peer = addrPortOf(c.RemoteAddr())
	s.rmore = make(chan struct{}, 1)
	s.wmore = make(chan struct{}, 1)
	go s.readLoop()
	go s.writeLoop()
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// SocketError returns and clears the handle's pending error (a failed
// connect), as getsockopt(SO_ERROR) does.
func SocketError(fd int) error {
	s, err := lookup(fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.soError
	s.soError = nil
	return e
}

// LocalAddr returns the handle's local address.
func LocalAddr(fd int) (netip.AddrPort, error) {
	s, err := lookup(fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.kind {
	case kindConn:
		return s.local, nil
	case kindListener:
		return addrPortOf(s.ln.Addr()), nil
	}
	return netip.AddrPort{}, syscall.ENOTCONN
}

// PeerAddr returns the connected handle's peer address.
func PeerAddr(fd int) (netip.AddrPort, error) {
	s, err := lookup(fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != kindConn {
		return netip.AddrPort{}, syscall.ENOTCONN
	}
	return s.peer, nil
}

// TCPConn returns the connected handle's connection, for socket options.
func TCPConn(fd int) (*net.TCPConn, error) {
	s, err := lookup(fd)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != kindConn {
		return nil, syscall.ENOTCONN
	}
	return s.conn, nil
}

// Close releases the handle. Bytes queued by Write still go out (within
// closeLinger) before the connection closes, as the kernel sends a closed
// socket's buffered bytes, unless SetLinger0 asked for a reset.
func Close(fd int) error {
	s, err := lookup(fd)
	if err != nil {
		return err
	}
	unregister(s)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return syscall.EBADF
	}
	s.closed = true
	s.watcher = nil
	k, ln, c, abort := s.kind, s.ln, s.conn, s.abort
	queued := s.queue
	s.queue = nil
	if abort {
		s.wbuf = nil
	}
	s.mu.Unlock()
	close(s.done)
	switch k {
	case kindListener:
		ln.Close()
		for _, q := range queued {
			q.Close()
		}
	case kindConn:
		if abort {
			c.Close()
		} else {
			// The writer flushes and closes; bound the flush.
			_ = c.SetWriteDeadline(time.Now().Add(closeLinger))
			signal(s.wmore)
		}
	}
	return nil
}

// errnoOf reduces a net error to the errno inside it when there is one, so
// that callers can test it with errors.Is against syscall's constants.
func errnoOf(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return syscall.ETIMEDOUT
	}
	return err
}

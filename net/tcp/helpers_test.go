//go:build linux

package tcp

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// guard bounds every wait in these tests. It is a failure guard only: no
// test asserts how fast anything happens.
const guard = 30 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// echoMessage is the echo server's message callback.
func echoMessage(c *Conn, in *buffer.Buffer, _ time.Time) {
	_ = c.Send(in.Peek())
	in.RetrieveAll()
}

// startServer starts a server on a free loopback port and closes it when the
// test ends.
func startServer(t testing.TB, cb Callbacks, opts ...Option) *Server {
	t.Helper()
	s := NewServer(append([]Option{WithLogger(quietLogger)}, opts...)...)
	s.SetCallbacks(cb)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// recorder collects connection up/down events.
type recorder struct {
	up, down chan *Conn

	mu    sync.Mutex
	downs map[*Conn]int
}

func newRecorder() *recorder {
	return &recorder{up: make(chan *Conn, 4096), down: make(chan *Conn, 4096), downs: map[*Conn]int{}}
}

func (r *recorder) onConnection(c *Conn) {
	if c.Connected() {
		r.up <- c
		return
	}
	r.mu.Lock()
	r.downs[c]++
	r.mu.Unlock()
	r.down <- c
}

func (r *recorder) downCount(c *Conn) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.downs[c]
}

func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func dial(t testing.TB, s *Server) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), guard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.TCPConn)
}

// onLoop runs f on l and waits for it.
func onLoop(l *reactor.EventLoop, f func()) { runAndWait(l, f) }

// eventually polls cond until it holds or the guard expires.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func fdCount(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// rawConn is a blocking client socket moved to a high fd number, so that it
// never takes the low fd a server connection just gave up: the tests that
// need the server to reuse an fd number control which one it gets.
type rawConn struct{ fd int }

const highFd = 1000

func dialRaw(t testing.TB, ap netip.AddrPort) *rawConn {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	hfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, highFd)
	unix.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval(guard.Nanoseconds())
	_ = unix.SetsockoptTimeval(hfd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	if err := unix.Connect(hfd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		unix.Close(hfd)
		t.Fatal(err)
	}
	return &rawConn{fd: hfd}
}

func (r *rawConn) writeAll(p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(r.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// read reads once, waiting at most d; it returns EAGAIN on timeout.
func (r *rawConn) read(p []byte, d time.Duration) (int, error) {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	_ = unix.SetsockoptTimeval(r.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	for {
		n, err := unix.Read(r.fd, p)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

// expectSilence asserts that nothing arrives within d and the connection
// stays open.
func (r *rawConn) expectSilence(t testing.TB, d time.Duration) {
	t.Helper()
	var b [4096]byte
	n, err := r.read(b[:], d)
	if err != unix.EAGAIN {
		t.Fatalf("expected nothing on the new connection, got %d bytes (%q), err %v", n, b[:min(n, 32)], err)
	}
}

func (r *rawConn) readFull(p []byte) error {
	for len(p) > 0 {
		n, err := r.read(p, guard)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrUnexpectedEOF
		}
		p = p[n:]
	}
	return nil
}

// close closes the socket. Any goroutine reading it must have returned.
func (r *rawConn) close() {
	if r.fd >= 0 {
		unix.Close(r.fd)
		r.fd = -1
	}
}

// closeRST closes with SO_LINGER 0: the peer gets a reset.
func (r *rawConn) closeRST() {
	_ = unix.SetsockoptLinger(r.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	r.close()
}

// pattern returns n bytes of a position-dependent pattern, seeded so that
// different seeds give different streams. It fills by doubling copies,
// which the race detector checks as ranges rather than byte by byte.
func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	const block = 4093 // prime, so the stream does not repeat on 2^k boundaries
	for i := 0; i < min(n, block); i++ {
		p[i] = byte(i) ^ seed ^ byte(i>>8)*31
	}
	for filled := min(n, block); filled < n; filled *= 2 {
		copy(p[filled:], p[:filled])
	}
	return p
}

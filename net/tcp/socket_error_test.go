//go:build linux && !muduo_portable

package tcp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// These tests drive a connection into a real socket error (a reset sent by
// the peer with SO_LINGER 0) at the moment a read or a writev meets it, and
// check that the connection ends once, its output is dropped and the server
// reports the error. Which path met the error is proved by what the
// connection logged ("tcp: read" or "tcp: write" with the errno), so the
// tests fail if the error arrived some other way.

// logRecord is one record a logCapture kept.
type logRecord struct {
	msg  string
	conn string
	err  error
}

// logCapture is a slog.Handler that keeps every record, at every level.
type logCapture struct {
	mu   sync.Mutex
	recs []logRecord
}

func (h *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCapture) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logCapture) WithGroup(string) slog.Handler            { return h }
func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "conn":
			rec.conn = a.Value.String()
		case "err":
			rec.err, _ = a.Value.Any().(error)
		}
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return nil
}

// find returns the errors logged with msg for the connection named conn.
func (h *logCapture) find(msg, conn string) []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, r := range h.recs {
		if r.msg == msg && r.conn == conn {
			errs = append(errs, r.err)
		}
	}
	return errs
}

func (h *logCapture) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, r := range h.recs {
		b.WriteString(r.msg + " " + r.conn + " " + errString(r.err) + "\n")
	}
	return b.String()
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// waitReadable blocks until fd has input (poll(2), bounded by guard).
func waitReadable(t *testing.T, fd int) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 && fds[0].Revents&unix.POLLIN != 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fd %d never became readable", fd)
		}
	}
}

// resetFd closes fd with SO_LINGER 0: the peer gets a reset.
func resetFd(fd int) {
	_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	_ = unix.Close(fd)
}

// TestReadErrorCloses: a reset that arrives after the poll reported a
// connection readable (with EPOLLIN only) and before the loop reads it
// makes the read itself fail with ECONNRESET; the connection then closes:
// one down callback, no message callback, and the error logged by the read.
//
// An RST the poll already saw comes with EPOLLERR, whose SO_ERROR read
// clears the error, so the read after it returns EOF; only this window
// makes read(2) fail. The test makes it happen every time: the loop is held
// while connection A and then connection B get a byte, so one poll reports
// both readable, A first. A's message callback takes B's byte off B's
// socket and resets B's client (loopback delivers the RST before close
// returns); then the loop reads B.
func TestReadErrorCloses(t *testing.T) {
	logs := &logCapture{}
	rec := newRecorder()
	var (
		scB      *Conn    // set before the loop is released
		clientB  *rawConn // reset from A's first message callback
		reset    bool     // loop goroutine only
		messages = make(chan string, 8)
		stolen   = make(chan []byte, 1)
	)
	s := startServer(t, Callbacks{
		Connection: rec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			messages <- c.Name() + ":" + in.RetrieveAllAsString()
			if c == scB || reset {
				return
			}
			reset = true
			var b [16]byte
			n, err := unix.Read(scB.ch.Fd(), b[:])
			if err != nil {
				n = 0
			}
			stolen <- b[:n]
			clientB.closeRST()
		},
	}, WithLoops(0), WithLogger(slog.New(logs)))

	clientA := dialRaw(t, s.Addr())
	t.Cleanup(clientA.close)
	scA := recv(t, rec.up, "A up")
	clientB = dialRaw(t, s.Addr())
	scB = recv(t, rec.up, "B up")

	// Hold the loop while both connections become readable, A first.
	held, release := make(chan struct{}), make(chan struct{})
	scA.Loop().QueueInLoop(func() {
		close(held)
		<-release
	})
	recv(t, held, "the loop held")
	if err := clientA.writeAll([]byte("a")); err != nil {
		t.Fatal(err)
	}
	waitReadable(t, scA.ch.Fd())
	if err := clientB.writeAll([]byte("b")); err != nil {
		t.Fatal(err)
	}
	waitReadable(t, scB.ch.Fd())
	close(release)

	if got := recv(t, messages, "A's message"); got != scA.Name()+":a" {
		t.Fatalf("first message %q, want A's", got)
	}
	if b := recv(t, stolen, "B's byte"); string(b) != "b" {
		t.Fatalf("took %q off B's socket, want \"b\"", b)
	}
	if d := recv(t, rec.down, "B down"); d != scB {
		t.Fatalf("down callback for %s, want %s", d.Name(), scB.Name())
	}
	errs := logs.find("tcp: read", scB.Name())
	if len(errs) != 1 || !errors.Is(errs[0], unix.ECONNRESET) {
		t.Fatalf("B's read logged %v, want one ECONNRESET; log:\n%s", errs, logs)
	}
	select {
	case m := <-messages:
		t.Fatalf("message callback %q after the reset", m)
	default:
	}
	if n := rec.downCount(scB); n != 1 {
		t.Fatalf("%d down callbacks for B, want 1", n)
	}
	// A is untouched and the server goes on serving.
	if err := clientA.writeAll([]byte("again")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, messages, "A's second message"); got != scA.Name()+":again" {
		t.Fatalf("message %q, want A's second", got)
	}
	if n := s.NumConnections(); n != 1 {
		t.Fatalf("NumConnections = %d, want 1 (A)", n)
	}
}

// TestWritevErrorCloses: a Sendv on the loop that meets a reset (the client
// reset the connection from inside the message callback, so the writev is
// the first to see it) is accepted, and the write error drops the output;
// the connection then closes once, when the loop reads the reset, without
// a write-complete callback.
func TestWritevErrorCloses(t *testing.T) {
	logs := &logCapture{}
	rec := newRecorder()
	clients := make(chan int, 1) // the client's fd, reset by the callback
	type sent struct {
		err    error
		queued int
	}
	results := make(chan sent, 1)
	completes := make(chan *Conn, 4)
	s := startServer(t, Callbacks{
		Connection: rec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			in.RetrieveAll()
			resetFd(<-clients)
			err := c.Sendv([]byte("HTTP/1.1 200 OK\r\n"), nil, []byte("\r\n"), []byte("too late"))
			results <- sent{err, c.OutputBytes()}
		},
		WriteComplete: func(c *Conn) { completes <- c },
	}, WithLoops(1), WithLogger(slog.New(logs)))

	client := dialRaw(t, s.Addr())
	clients <- client.fd // the callback closes it: client is not used after the write
	sc := recv(t, rec.up, "up")
	if err := client.writeAll([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	r := recv(t, results, "the Sendv")
	if r.err != nil {
		t.Fatalf("Sendv on a connected connection: %v, want nil (the error is the loop's)", r.err)
	}
	if r.queued != 0 {
		t.Fatalf("%d bytes queued after the write error, want none", r.queued)
	}
	if d := recv(t, rec.down, "down"); d != sc {
		t.Fatalf("down callback for %s, want %s", d.Name(), sc.Name())
	}
	errs := logs.find("tcp: write", sc.Name())
	if len(errs) != 1 || !(errors.Is(errs[0], unix.ECONNRESET) || errors.Is(errs[0], unix.EPIPE)) {
		t.Fatalf("the writev logged %v, want one ECONNRESET or EPIPE; log:\n%s", errs, logs)
	}
	if n := rec.downCount(sc); n != 1 {
		t.Fatalf("%d down callbacks, want 1", n)
	}
	select {
	case <-completes:
		t.Fatal("write-complete callback for output that never went out")
	default:
	}
	eventually(t, "NumConnections == 0", func() bool { return s.NumConnections() == 0 })
}

// TestSendvOnLoopWritesAtOnce: a Sendv on the loop that the kernel takes
// whole is one writev; the bytes arrive joined, in order, and the
// write-complete callback runs once for it.
func TestSendvOnLoopWritesAtOnce(t *testing.T) {
	rec := newRecorder()
	completes := make(chan int, 4)
	parts := [][]byte{[]byte("head:"), nil, []byte("body"), {}, []byte(":tail")}
	s := startServer(t, Callbacks{
		Connection: rec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			in.RetrieveAll()
			if err := c.Sendv(parts...); err != nil {
				t.Errorf("Sendv: %v", err)
			}
		},
		WriteComplete: func(c *Conn) { completes <- c.OutputBytes() },
	}, WithLoops(1))
	c := dial(t, s)
	recv(t, rec.up, "up")
	mustWrite(t, c, "go")
	if q := recv(t, completes, "write complete"); q != 0 {
		t.Fatalf("write complete with %d bytes still queued", q)
	}
	want := bytes.Join(parts, nil)
	got := make([]byte, len(want))
	_ = c.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %q (%v), want %q", got, err, want)
	}
	select {
	case q := <-completes:
		t.Fatalf("a second write-complete callback (%d queued)", q)
	default:
	}
}

//go:build linux

package tcp

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// writeTemp writes p to a new file in t's temp dir and returns its path.
func writeTemp(t testing.TB, name string, p []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, p, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func openFile(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() }) // for the transfers that leave it open
	return f
}

// smallWindowDialer dials with SO_RCVBUF set before the connect, so the
// window is small from the start (shrinking it on an established loopback
// connection can stall it): the server's sends go out in many partial
// writes resumed on EPOLLOUT.
func smallWindowDialer(rcvbuf int) *net.Dialer {
	return &net.Dialer{Timeout: guard, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

func dialSmallWindow(t testing.TB, addr string, rcvbuf int) net.Conn {
	t.Helper()
	c, err := smallWindowDialer(rcvbuf).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// doneRecorder collects the results of SendFileFunc's done calls.
type doneRecorder struct{ ch chan error }

func newDoneRecorder() *doneRecorder   { return &doneRecorder{ch: make(chan error, 64)} }
func (d *doneRecorder) done(err error) { d.ch <- err }

// TestSendFileOrderOnLoop: bytes and file ranges sent from the loop, with
// the client not reading until everything is queued (so the first transfer
// is partial and resumed on EPOLLOUT, and everything after it waits its
// turn), arrive in the order of the calls.
func TestSendFileOrderOnLoop(t *testing.T) {
	data := pattern(6<<20, 7)
	path := writeTemp(t, "big", data)
	small := pattern(70000, 9)
	spath := writeTemp(t, "small", small)
	rec := newDoneRecorder()
	queued := make(chan struct{}, 1)
	s := startServer(t, Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		in.RetrieveAll()
		_ = c.SendString("head1|")
		_ = c.SendFileFunc(openFile(t, path), 100, int64(len(data)-200), func(err error) { rec.done(err) })
		_ = c.SendString("|mid|")
		_ = c.SendFile(openFile(t, spath), 0, int64(len(small)))
		_ = c.Sendv([]byte("|v1"), []byte("v2|"))
		_ = c.SendFileFunc(openFile(t, path), 0, 0, rec.done) // empty: still ordered, still done
		_ = c.SendFileFunc(openFile(t, spath), 5, 10, rec.done)
		_ = c.SendString("|tail")
		queued <- struct{}{}
	}})
	p := dialSmallWindow(t, s.Addr().String(), 16<<10)
	if _, err := p.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	recv(t, queued, "the sends queued")
	var want bytes.Buffer
	want.WriteString("head1|")
	want.Write(data[100 : len(data)-100])
	want.WriteString("|mid|")
	want.Write(small)
	want.WriteString("|v1v2|")
	want.Write(small[5:15])
	want.WriteString("|tail")
	got := make([]byte, want.Len())
	_ = p.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.ReadFull(p, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("stream differs from the calls' order (first difference at %d)", firstDiff(got, want.Bytes()))
	}
	for range 3 {
		if err := recv(t, rec.ch, "done"); err != nil {
			t.Fatalf("done: %v", err)
		}
	}
	if sendfileBackend {
		st := s.Stats()
		var n uint64
		for _, l := range st {
			n += l.BytesSendFile
		}
		if min := uint64(len(data) - 200 + len(small) + 10); n < min {
			t.Fatalf("BytesSendFile = %d, want at least %d: sendfile(2) did not move the file bytes", n, min)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSendFileOffLoopOrder: Send, SendFile and SendReader from another
// goroutine keep that goroutine's order, whatever the loop is doing.
func TestSendFileOffLoopOrder(t *testing.T) {
	data := pattern(1<<20+17, 3)
	path := writeTemp(t, "f", data)
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection})
	p := dial(t, s)
	c := recv(t, rec.up, "connection")
	var want bytes.Buffer
	dr := newDoneRecorder()
	for i := range 5 {
		msg := strings.Repeat(string(rune('a'+i)), 1000+i)
		if err := c.SendString(msg); err != nil {
			t.Fatal(err)
		}
		want.WriteString(msg)
		if err := c.SendFileFunc(openFile(t, path), int64(i), int64(len(data)-2*i), dr.done); err != nil {
			t.Fatal(err)
		}
		want.Write(data[i : len(data)-i])
		if err := c.SendReader(bytes.NewReader(data[:1000*i+1]), int64(1000*i+1), dr.done); err != nil {
			t.Fatal(err)
		}
		want.Write(data[:1000*i+1])
	}
	got := make([]byte, want.Len())
	_ = p.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.ReadFull(p, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("off-loop stream out of order at byte %d", firstDiff(got, want.Bytes()))
	}
	for range 10 {
		if err := recv(t, dr.ch, "done"); err != nil {
			t.Fatalf("done: %v", err)
		}
	}
}

// TestSendFileConnectionDies: a peer that resets in the middle of a
// transfer, or a connection closed with transfers queued: every file is
// released (done with ErrClosed, or closed by SendFile) and the server's
// fds go back to where they were.
func TestSendFileConnectionDies(t *testing.T) {
	data := pattern(8<<20, 1)
	path := writeTemp(t, "f", data)
	rec := newRecorder()
	dr := newDoneRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection, Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		in.RetrieveAll()
		f := openFile(t, path) // shared by two transfers
		var mu sync.Mutex
		users := 2
		done := func(err error) {
			mu.Lock()
			users--
			if users == 0 {
				_ = f.Close()
			}
			mu.Unlock()
			dr.done(err)
		}
		_ = c.SendFileFunc(f, 0, int64(len(data)), done)
		_ = c.SendFile(openFile(t, path), 0, int64(len(data)))
		_ = c.SendFileFunc(f, 0, int64(len(data)), done)
	}})
	base := fdCount(t)
	for round := range 3 {
		r := dialRaw(t, s.Addr())
		c := recv(t, rec.up, "connection")
		if err := r.writeAll([]byte("x")); err != nil {
			t.Fatal(err)
		}
		var b [1000]byte
		if err := r.readFull(b[:]); err != nil { // the transfer has started
			t.Fatal(err)
		}
		if round == 2 {
			c.ForceClose()
		} else {
			r.closeRST()
		}
		recv(t, rec.down, "close")
		for range 2 {
			if err := recv(t, dr.ch, "done"); !errors.Is(err, ErrClosed) {
				t.Fatalf("done after the peer left: %v, want ErrClosed", err)
			}
		}
		r.close()
	}
	eventually(t, "fds back to baseline", func() bool { return fdCount(t) <= base })
	if err := (&Conn{}).SendFile(nil, 0, 1); err == nil {
		t.Fatal("SendFile(nil) succeeded")
	}
}

// TestSendFileAfterClose: a closed connection refuses a transfer and
// releases its file at once.
func TestSendFileAfterClose(t *testing.T) {
	path := writeTemp(t, "f", []byte("abc"))
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection})
	p := dial(t, s)
	c := recv(t, rec.up, "connection")
	_ = p.Close()
	recv(t, rec.down, "close")
	dr := newDoneRecorder()
	if err := c.SendFileFunc(openFile(t, path), 0, 3, dr.done); !errors.Is(err, ErrClosed) {
		t.Fatalf("SendFileFunc on a closed Conn: %v", err)
	}
	if err := recv(t, dr.ch, "done"); !errors.Is(err, ErrClosed) {
		t.Fatalf("done: %v", err)
	}
	f := openFile(t, path)
	if err := c.SendFile(f, 0, 3); !errors.Is(err, ErrClosed) {
		t.Fatalf("SendFile on a closed Conn: %v", err)
	}
	if _, err := f.Stat(); err == nil {
		t.Fatal("SendFile refused the transfer but left the file open")
	}
}

// TestSendFileShortFile: a file shorter than the range promised ends the
// connection after the bytes it had, with ErrShortFile.
func TestSendFileShortFile(t *testing.T) {
	data := pattern(300000, 5)
	path := writeTemp(t, "f", data)
	dr := newDoneRecorder()
	s := startServer(t, Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		in.RetrieveAll()
		_ = c.SendFileFunc(openFile(t, path), 1000, int64(len(data)), dr.done)
		_ = c.SendString("never")
	}})
	p := dial(t, s)
	_, _ = p.Write([]byte("x"))
	_ = p.SetReadDeadline(time.Now().Add(guard))
	got, _ := io.ReadAll(p)
	if !bytes.Equal(got, data[1000:]) {
		t.Fatalf("got %d bytes, want the %d the file had", len(got), len(data)-1000)
	}
	if err := recv(t, dr.ch, "done"); !errors.Is(err, ErrShortFile) {
		t.Fatalf("done: %v, want ErrShortFile", err)
	}
}

// TestSendReaderCopies: a reader without a descriptor is copied, in
// order, through a socket that takes it in small pieces.
func TestSendReaderCopies(t *testing.T) {
	data := pattern(3<<20, 11)
	dr := newDoneRecorder()
	s := startServer(t, Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		in.RetrieveAll()
		_ = c.SendReader(io.MultiReader(bytes.NewReader(data[:1<<20]), bytes.NewReader(data[1<<20:])), int64(len(data)), dr.done)
		_ = c.SendString("end")
	}})
	p := dialSmallWindow(t, s.Addr().String(), 8<<10)
	_, _ = p.Write([]byte("x"))
	got := make([]byte, len(data)+3)
	_ = p.SetReadDeadline(time.Now().Add(guard))
	if _, err := io.ReadFull(p, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:len(data)], data) || string(got[len(data):]) != "end" {
		t.Fatal("SendReader's bytes differ")
	}
	if err := recv(t, dr.ch, "done"); err != nil {
		t.Fatal(err)
	}
}

// TestSendFileManySlowReaders: one large file to many clients that read in
// small pieces: every client gets the exact bytes, the server runs no
// goroutine per transfer, sendfile(2) moved the bytes, and the server's
// fds return to their baseline.
func TestSendFileManySlowReaders(t *testing.T) {
	size, clients := 4<<20, 24
	if os.Getenv("MUDUO_SENDFILE_BIG") != "" {
		size, clients = 100<<20, 50
	}
	data := pattern(size, 13)
	sum := sha256.Sum256(data)
	path := writeTemp(t, "f", data)
	s := startServer(t, Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		in.RetrieveAll()
		_ = c.SendFile(openFile(t, path), 0, int64(size))
	}})
	base := fdCount(t)
	g0 := runtime.NumGoroutine()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	started := make(chan struct{}, clients)
	peak := make(chan int, 1)
	release := make(chan struct{})
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := smallWindowDialer(8<<10).Dial("tcp", s.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(4 * guard))
			if _, err := conn.Write([]byte("x")); err != nil {
				errs <- err
				return
			}
			h := sha256.New()
			buf := make([]byte, 1500)
			n, err := io.ReadFull(conn, buf)
			h.Write(buf[:n])
			started <- struct{}{}
			<-release // every transfer is in progress at once
			if err == nil {
				var m int64
				m, err = io.CopyBuffer(h, io.LimitReader(conn, int64(size-n)), buf)
				n += int(m)
			}
			if err != nil || n != size || !bytes.Equal(h.Sum(nil), sum[:]) {
				errs <- errors.New("a client got different bytes")
			}
		}()
	}
	for range clients {
		recv(t, started, "transfers started")
	}
	// Every transfer is under way and blocked on its client: the server
	// holds them with no goroutine of its own (the clients are ours).
	peak <- runtime.NumGoroutine()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if g := <-peak; sendfileBackend && g > g0+clients+2 {
		t.Fatalf("%d goroutines during %d transfers (baseline %d): the server runs goroutines per transfer", g, clients, g0)
	}
	if sendfileBackend {
		var n uint64
		for _, l := range s.Stats() {
			n += l.BytesSendFile
		}
		if n < uint64(size*clients) {
			t.Fatalf("BytesSendFile = %d, want %d", n, size*clients)
		}
	}
	eventually(t, "fds back to baseline", func() bool { return fdCount(t) <= base })
}

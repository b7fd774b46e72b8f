package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// syncBuf is a bytes.Buffer safe for the loops and the test to share.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder keeps the messages one client received, in order.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) add(m string) { r.mu.Lock(); r.msgs = append(r.msgs, m); r.mu.Unlock() }

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

func (r *recorder) count() int { return len(r.get()) }

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// bytesIn is how many bytes the server has read, over all its loops.
func bytesIn(s *ChatServer) uint64 {
	var n uint64
	for _, l := range s.srv.Stats() {
		n += l.BytesIn
	}
	return n
}

func startServer(t *testing.T, loops int) (*ChatServer, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	srv, err := StartChatServer("127.0.0.1:0", loops, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return srv, logs
}

// connectClients connects n clients and waits until the server has them
// all, so that none misses a broadcast. The caller closes them.
func connectClients(t *testing.T, srv *ChatServer, n int) ([]*ChatClient, []*recorder) {
	t.Helper()
	base := srv.NumClients()
	var ccs []*ChatClient
	var recs []*recorder
	for i := 0; i < n; i++ {
		r := &recorder{}
		cc, err := NewChatClient(srv.Addr().String(), r.add, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := cc.Connect(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		ccs, recs = append(ccs, cc), append(recs, r)
	}
	waitUntil(t, "the server to see every client", func() bool { return srv.NumClients() == base+n })
	return ccs, recs
}

func closeAll(ccs []*ChatClient) {
	for _, cc := range ccs {
		cc.Close(time.Second)
	}
}

// frame is msg with its length header.
func frame(msg string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(msg))), msg...)
}

func dialRaw(t *testing.T, srv *ChatServer) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func readFrame(c net.Conn) (string, error) {
	var h [HeaderLen]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return "", err
	}
	body := make([]byte, binary.BigEndian.Uint32(h[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		return "", err
	}
	return string(body), nil
}

// TestBroadcast: three clients send concurrently; every client receives
// every message, each sender's in the order sent.
func TestBroadcast(t *testing.T) {
	for _, loops := range []int{0, 3} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			srv, _ := startServer(t, loops)
			defer srv.Close()
			ccs, recs := connectClients(t, srv, 3)
			defer closeAll(ccs)

			const perSender = 200
			var wg sync.WaitGroup
			for i, cc := range ccs {
				wg.Go(func() {
					for j := 0; j < perSender; j++ {
						if err := cc.Send(fmt.Sprintf("c%d %d", i, j)); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			total := perSender * len(ccs)
			for i, r := range recs {
				waitUntil(t, fmt.Sprintf("client %d's messages", i), func() bool { return r.count() >= total })
				next := make([]int, len(ccs))
				for _, m := range r.get() {
					var from, seq int
					if _, err := fmt.Sscanf(m, "c%d %d", &from, &seq); err != nil {
						t.Fatalf("client %d got %q", i, m)
					}
					if seq != next[from] {
						t.Fatalf("client %d: from c%d got #%d, want #%d", i, from, seq, next[from])
					}
					next[from]++
				}
				if r.count() != total {
					t.Fatalf("client %d got %d messages, want %d", i, r.count(), total)
				}
			}
		})
	}
}

// TestSplitFrame: a frame written one byte at a time, and several frames in
// one write, come out as the same messages.
func TestSplitFrame(t *testing.T) {
	for _, loops := range []int{0, 2} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			srv, _ := startServer(t, loops)
			defer srv.Close()
			ccs, recs := connectClients(t, srv, 1)
			defer closeAll(ccs)
			raw := dialRaw(t, srv)
			defer raw.Close()
			waitUntil(t, "the raw client", func() bool { return srv.NumClients() == 2 })

			// Each byte is read by the server before the next is sent (its
			// input count has grown by it), so the frame really arrives in
			// as many reads as it has bytes.
			split := "split across many TCP segments, byte by byte"
			in := bytesIn(srv)
			for _, b := range frame(split) {
				if _, err := raw.Write([]byte{b}); err != nil {
					t.Fatal(err)
				}
				in++
				waitUntil(t, "the server to read the byte", func() bool { return bytesIn(srv) >= in })
			}
			merged := []string{"one", "", "three", strings.Repeat("big ", 5000)}
			var all []byte
			for _, m := range merged {
				all = append(all, frame(m)...)
			}
			if _, err := raw.Write(all); err != nil {
				t.Fatal(err)
			}

			want := append([]string{split}, merged...)
			for _, w := range want {
				got, err := readFrame(raw)
				if err != nil {
					t.Fatal(err)
				}
				if got != w {
					t.Fatalf("raw client got %.40q, want %.40q", got, w)
				}
			}
			waitUntil(t, "the observer", func() bool { return recs[0].count() >= len(want) })
			if got := recs[0].get(); !slices.Equal(got, want) {
				t.Fatalf("observer got %.80q, want %.80q", got, want)
			}
		})
	}
}

// TestInvalidLength: a frame announcing a length below 0 or above
// MaxMessageLen closes that connection only, after the frames before it
// were delivered; the others keep chatting, with messages up to the limit.
func TestInvalidLength(t *testing.T) {
	for _, n := range []int64{MaxMessageLen + 1, -1, math.MaxInt32, math.MinInt32} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			srv, logs := startServer(t, 1)
			defer srv.Close()
			ccs, recs := connectClients(t, srv, 2)
			defer closeAll(ccs)
			raw := dialRaw(t, srv)
			defer raw.Close()
			waitUntil(t, "the raw client", func() bool { return srv.NumClients() == 3 })

			bad := binary.BigEndian.AppendUint32(frame("last words"), uint32(int32(n)))
			if _, err := raw.Write(append(bad, "garbage"...)); err != nil {
				t.Fatal(err)
			}
			if got, err := readFrame(raw); err != nil || got != "last words" {
				t.Fatalf("raw client: %q, %v; want its last words back", got, err)
			}
			if _, err := readFrame(raw); err == nil || strings.Contains(err.Error(), "timeout") {
				t.Fatalf("raw client still connected: %v", err)
			}
			waitUntil(t, "the raw client to go", func() bool { return srv.NumClients() == 2 })
			if l := logs.String(); !strings.Contains(l, "invalid message length") || !strings.Contains(l, fmt.Sprintf("len=%d", n)) {
				t.Fatalf("no log line for the bad frame:\n%s", l)
			}

			largest := strings.Repeat("x", MaxMessageLen)
			if err := ccs[0].Send("still here"); err != nil {
				t.Fatal(err)
			}
			if err := ccs[1].Send(largest); err != nil {
				t.Fatal(err)
			}
			if err := ccs[1].Send(largest + "x"); err == nil {
				t.Fatal("a message over MaxMessageLen was sent")
			}
			for i, r := range recs {
				waitUntil(t, "the messages", func() bool { return r.count() >= 3 })
				got := r.get()
				if len(got) != 3 || got[0] != "last words" || !slices.Contains(got[1:], "still here") || !slices.Contains(got[1:], largest) {
					t.Fatalf("client %d got %.40q", i, got)
				}
			}
		})
	}
}

// TestRunClient: the command's client sends its input lines, prints what
// it receives, and at EOF disconnects after everything came back.
func TestRunClient(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv, _ := startServer(t, 0)
	defer srv.Close()
	ccs, recs := connectClients(t, srv, 1)
	defer closeAll(ccs)

	out := &syncBuf{}
	in := "hello\nworld\n\nno newline at the end"
	if err := runClient(srv.Addr().String(), strings.NewReader(in), out, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != in+"\n" {
		t.Fatalf("client printed %q, want %q", got, in+"\n")
	}
	want := strings.Split(in, "\n")
	waitUntil(t, "the observer", func() bool { return recs[0].count() >= len(want) })
	if got := recs[0].get(); !slices.Equal(got, want) {
		t.Fatalf("observer got %q, want %q", got, want)
	}
	waitUntil(t, "the client to leave", func() bool { return srv.NumClients() == 1 })
}

// TestRunClientServerCloses: the command's client returns an error when
// the server goes away while it waits for input.
func TestRunClientServerCloses(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv, _ := startServer(t, 0)
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	errc := make(chan error, 1)
	go func() {
		errc <- runClient(srv.Addr().String(), pr, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	waitUntil(t, "the client", func() bool { return srv.NumClients() == 1 })
	if _, err := io.WriteString(pw, "hi\n"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "closed by the server") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client did not return")
	}
	pw.Close() // ends the reading goroutine
}

// TestRunClientNoServer: the command's client gives up when nobody listens.
func TestRunClientNoServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	defer func(d time.Duration) { connectTimeout = d }(connectTimeout)
	connectTimeout = 300 * time.Millisecond
	err = runClient(addr, strings.NewReader("x\n"), io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "no connection") {
		t.Fatalf("err = %v", err)
	}
}

package rpc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// TestPausedConnectionResumesAfterHalfClose: a connection paused because
// its blocking calls fill WithMaxInFlight, whose client then sends more
// calls and half-closes, resumes when the blocking call returns: every
// call is answered, then the connection closes. With a few calls the FIN
// is read while paused (the resume then drains); with more than the
// pause threshold (64 KiB) waiting, reading stops too, and the resume
// starts it again. The test waits for each of those states on the server
// before it releases the blocking call.
func TestPausedConnectionResumesAfterHalfClose(t *testing.T) {
	for _, calls := range []int{3, 2000} {
		t.Run(fmt.Sprint(calls), func(t *testing.T) {
			s := newTestServer(t, rpc.WithMaxInFlight(1), rpc.WithWorkers(1))
			b := registerBlocker(t, s)
			ts := startTCP(t, s)
			nc, err := net.Dial("tcp", ts.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(guard))
			if _, err := io.WriteString(nc, `{"jsonrpc":"2.0","method":"Block.Wait","params":[0],"id":0}`+"\n"); err != nil {
				t.Fatal(err)
			}
			wait(t, b.started, "the blocking call") // the connection is saturated from here
			var more strings.Builder
			for i := 1; i <= calls; i++ {
				fmt.Fprintf(&more, `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":%d,"b":1},"id":%d}`+"\n", i, i)
			}
			// The rest is written while the server holds back; a
			// goroutine writes it, as the server stops reading.
			werr := make(chan error, 1)
			go func() {
				_, err := io.WriteString(nc, more.String())
				if err == nil {
					err = nc.(*net.TCPConn).CloseWrite()
				}
				werr <- err
			}()
			if calls < 10 {
				if err := <-werr; err != nil {
					t.Fatal(err)
				}
				werr <- nil
				// The server has read the calls and the FIN while paused:
				// the resume is what answers them and then drains.
				waitFor(t, "the connection paused with the FIN read", func() bool {
					st := rpc.TCPConnStates(ts)
					return len(st) == 1 && st[0].Paused && st[0].PeerEOF && !st[0].Closing
				})
			} else {
				// More than the pause threshold is buffered: reading has
				// stopped, and the resume starts it again.
				waitFor(t, "the connection paused with reading stopped", func() bool {
					st := rpc.TCPConnStates(ts)
					return len(st) == 1 && st[0].Paused && st[0].Stopped
				})
			}
			b.unblock()
			out, err := io.ReadAll(bufio.NewReader(nc))
			if err != nil {
				t.Fatalf("reading the replies: %v (want them all, then EOF)", err)
			}
			if err := <-werr; err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), `{"jsonrpc":"2.0","id":0,"result":0}`+"\n") {
				t.Fatalf("no reply to the blocking call in %.200q", out)
			}
			for i := 1; i <= calls; i++ {
				if want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%d}`+"\n", i, i+1); !strings.Contains(string(out), want) {
					t.Fatalf("reply %d missing (%d bytes of replies)", i, len(out))
				}
			}
		})
	}
}

// TestShutdownWhilePausedAndStopped: Shutdown of a connection that is
// paused with reading stopped lets the call in flight finish and answers
// it, drops the calls that were never dispatched, starts reading again (to
// see the client's close), half-closes after the reply, and returns once
// the client has closed too.
func TestShutdownWhilePausedAndStopped(t *testing.T) {
	s := newTestServer(t, rpc.WithMaxInFlight(1), rpc.WithWorkers(1))
	b := registerBlocker(t, s)
	ts := startTCP(t, s)
	nc, err := net.Dial("tcp", ts.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(nc, `{"jsonrpc":"2.0","method":"Block.Wait","params":[7],"id":0}`+"\n"); err != nil {
		t.Fatal(err)
	}
	wait(t, b.started, "the blocking call")
	var more strings.Builder
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&more, `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":%d,"b":1},"id":%d}`+"\n", i, i)
	}
	go func() { _, _ = io.WriteString(nc, more.String()) }() // blocks once the server stops reading
	waitFor(t, "the connection paused with reading stopped", func() bool {
		st := rpc.TCPConnStates(ts)
		return len(st) == 1 && st[0].Paused && st[0].Stopped
	})
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(context.Background()) }()
	waitFor(t, "the connection draining", func() bool {
		st := rpc.TCPConnStates(ts)
		return len(st) == 1 && st[0].Closing && !st[0].Stopped
	})
	b.unblock()
	out, err := io.ReadAll(bufio.NewReader(nc))
	if err != nil {
		t.Fatalf("reading the replies: %v (want the one reply, then EOF)", err)
	}
	if want := `{"jsonrpc":"2.0","id":0,"result":7}` + "\n"; string(out) != want {
		t.Fatalf("replies %.300q, want only the call in flight's %q", out, want)
	}
	_ = nc.Close() // the client closes after the server's EOF: Shutdown is done
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(guard):
		t.Fatal("Shutdown did not return after the connection closed")
	}
}

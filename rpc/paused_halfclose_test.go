package rpc_test

import (
	"bufio"
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
// starts it again.
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
				// Let the server read the calls and the FIN while paused.
				waitFor(t, "the server to read the calls", func() bool {
					var in uint64
					for _, l := range ts.TCP().Stats() {
						in += l.BytesIn
					}
					return in >= uint64(more.Len())
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

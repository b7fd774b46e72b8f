package http

import (
	"errors"
	"io"
	nethttp "net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hijacked net.Conn follows net.Conn's deadline rules: a deadline set
// while a Read or a Write is waiting applies to that wait. The waits' hooks
// hand over to the goroutine that moves the deadline and resume once it
// has, so each move lands inside a wait whatever the machine's load.
func TestHijackedConnDeadlinesMoveWaits(t *testing.T) {
	result := make(chan string, 2)
	first := make(chan time.Time, 1)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		nc, brw, err := w.(nethttp.Hijacker).Hijack()
		if err != nil {
			result <- "hijack: " + err.Error()
			return
		}
		defer nc.Close()
		_, _ = brw.WriteString(switchHead)
		_ = brw.Flush()
		hc := nc.(*hijackConn)

		// Read: no deadline, then one in the past from another goroutine.
		hc.rdl.waitHook = handOver(func() { _ = nc.SetReadDeadline(time.Now()) })
		if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			result <- "read: " + errString(err)
			return
		}
		result <- "read ok"

		// Write: a near deadline, extended from another goroutine while the
		// Write waits for a client that reads only later.
		payload := []byte(strings.Repeat("x", 6<<20)) // made before the clock starts
		// The first wait gets a near deadline, the wait that follows
		// extends it: both moves land inside the Write's wait.
		hc.wdl.waitHook = handOver(
			func() {
				dl := time.Now().Add(300 * time.Millisecond)
				_ = nc.SetWriteDeadline(dl)
				first <- dl
			},
			func() { _ = nc.SetWriteDeadline(time.Now().Add(guard)) },
		)
		if _, err := nc.Write(payload); err != nil {
			result <- "write: " + err.Error()
			return
		}
		result <- "write ok"
	})
	s := startServer(t, Adapt(h))
	c := dialSmallWindow(t, s)
	c.send(upgradeReq("/ws"))
	c.expectBytes(switchHead)
	if got := <-result; got != "read ok" {
		t.Fatal(got)
	}
	var dl time.Time
	select {
	case dl = <-first:
	case <-time.After(guard):
		t.Fatal("the Write never waited for the client: nothing was tested")
	}
	time.Sleep(time.Until(dl) + 50*time.Millisecond)    // past the write's first deadline (a lower bound only)
	_ = c.nc.SetReadDeadline(time.Now().Add(4 * guard)) // a failure bound only: 6 MiB under -race and load
	n, _ := io.CopyN(io.Discard, c.br, 6<<20)
	if got := <-result; got != "write ok" || n != 6<<20 {
		t.Fatalf("%s, %d bytes read", got, n)
	}
}

// handOver returns a deadline wait hook that runs moves[i] on another
// goroutine at the i-th time a wait is about to block, and resumes the
// wait once it has returned; later waits run nothing.
func handOver(moves ...func()) func() {
	var mu sync.Mutex
	return func() {
		mu.Lock()
		if len(moves) == 0 {
			mu.Unlock()
			return
		}
		move := moves[0]
		moves = moves[1:]
		mu.Unlock()
		done := make(chan struct{})
		go func() {
			move()
			close(done)
		}()
		<-done
	}
}

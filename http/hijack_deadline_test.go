package http

import (
	"errors"
	"io"
	nethttp "net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// The hijacked net.Conn follows net.Conn's deadline rules: a deadline set
// while a Read or a Write is waiting applies to that wait.
func TestHijackedConnDeadlinesMoveWaits(t *testing.T) {
	result := make(chan string, 2)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		nc, brw, err := w.(nethttp.Hijacker).Hijack()
		if err != nil {
			result <- "hijack: " + err.Error()
			return
		}
		defer nc.Close()
		_, _ = brw.WriteString(switchHead)
		_ = brw.Flush()

		// Read: no deadline, then one in the past from another goroutine.
		go func() {
			time.Sleep(30 * time.Millisecond)
			_ = nc.SetReadDeadline(time.Now())
		}()
		if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			result <- "read: " + errString(err)
			return
		}
		result <- "read ok"

		// Write: a near deadline, extended from another goroutine while the
		// Write waits for a client that reads only later.
		payload := []byte(strings.Repeat("x", 64<<20)) // made before the clock starts
		_ = nc.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		go func() {
			time.Sleep(30 * time.Millisecond)
			_ = nc.SetWriteDeadline(time.Now().Add(guard))
		}()
		if _, err := nc.Write(payload); err != nil {
			result <- "write: " + err.Error()
			return
		}
		result <- "write ok"
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send(upgradeReq("/ws"))
	c.expectBytes(switchHead)
	if got := <-result; got != "read ok" {
		t.Fatal(got)
	}
	time.Sleep(800 * time.Millisecond) // past the write's first deadline
	_ = c.nc.SetReadDeadline(time.Now().Add(guard))
	n, _ := io.CopyN(io.Discard, c.br, 64<<20)
	if got := <-result; got != "write ok" || n != 64<<20 {
		t.Fatalf("%s, %d bytes read", got, n)
	}
}

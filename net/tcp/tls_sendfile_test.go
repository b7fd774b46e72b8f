//go:build linux

package tcp

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// TestTLSSendFileEncrypted: SendFile and SendReader on a TLS connection
// send the file's bytes encrypted, in order with the Sends around them,
// from the loop and from another goroutine. sendfile(2) would put the
// file's plaintext on the wire, which the client's TLS layer rejects.
func TestTLSSendFileEncrypted(t *testing.T) {
	file := pattern(300<<10+17, 3) // several copy chunks and a partial one
	path := writeTemp(t, "body", file)
	for _, tv := range tlsVersions {
		for _, offLoop := range []bool{false, true} {
			name := tv.name + "/on-loop"
			if offLoop {
				name = tv.name + "/off-loop"
			}
			t.Run(name, func(t *testing.T) {
				dones := make(chan error, 2)
				send := func(c *Conn) {
					_ = c.Send([]byte("head|"))
					_ = c.SendFile(openFile(t, path), 5, int64(len(file))-5)
					_ = c.Send([]byte("|mid|"))
					_ = c.SendReader(strings.NewReader("reader-bytes"), 12, func(err error) { dones <- err })
					_ = c.Send([]byte("|tail"))
				}
				s := startServer(t, Callbacks{
					Connection: func(c *Conn) {
						if !c.Connected() {
							return
						}
						if offLoop {
							go send(c)
						} else {
							send(c)
						}
					},
				}, WithTLS(serverTLS(t)))
				c := dialTLS(t, s, clientTLS(t, tv.v))
				defer c.Close()
				want := []byte("head|")
				want = append(want, file[5:]...)
				want = append(want, "|mid|reader-bytes|tail"...)
				got := make([]byte, len(want))
				_ = c.SetReadDeadline(time.Now().Add(guard))
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("bytes differ at %d", firstDiff(got, want))
				}
				if err := recv(t, dones, "SendReader's done"); err != nil {
					t.Fatalf("SendReader done: %v", err)
				}
			})
		}
	}
}

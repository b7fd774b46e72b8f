//go:build linux

package tcp

import (
	"bytes"
	"crypto/tls"
	"io"
	"os"
	"path/filepath"
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

// TestTLSSendFileStreams: a large file over TLS is read and encrypted a
// chunk at a time as the client takes it, not all at once: the
// connection's output buffer stays small throughout a 64 MiB transfer,
// and the bytes (the file's, and the Sends before and after it) arrive in
// order. Reading the whole file when SendFile was called held all 64 MiB
// in memory until the client had read it.
func TestTLSSendFileStreams(t *testing.T) {
	const size = 64 << 20
	markers := map[int64]string{0: "<start>", size / 2: "<middle>", size - 5: "<end>"}
	path := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	for off, m := range markers {
		if _, err := f.WriteAt([]byte(m), off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	// expected fills exp with the file's bytes from off.
	expected := func(exp []byte, off int64) {
		clear(exp)
		for at, m := range markers {
			for i := range len(m) {
				if p := at + int64(i) - off; p >= 0 && p < int64(len(exp)) {
					exp[p] = m[i]
				}
			}
		}
	}
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				_ = c.Send([]byte("head|"))
				_ = c.SendFile(openFile(t, path), 0, size)
				_ = c.Send([]byte("|tail"))
			}
		},
	}, WithTLS(serverTLS(t)))
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	maxOut := 0
	sample := func() {
		s.ForEachConn(func(c *Conn) { maxOut = max(maxOut, c.OutputBytes()) })
	}
	head := make([]byte, 5)
	if _, err := io.ReadFull(c, head); err != nil || string(head) != "head|" {
		t.Fatalf("head %q, %v", head, err)
	}
	buf, exp := make([]byte, 256<<10), make([]byte, 256<<10)
	for off := int64(0); off < size; {
		n, err := c.Read(buf[:min(int64(len(buf)), size-off)])
		expected(exp[:n], off)
		if !bytes.Equal(buf[:n], exp[:n]) {
			t.Fatalf("file bytes from %d differ at %d", off, off+int64(firstDiff(buf[:n], exp[:n])))
		}
		off += int64(n)
		if err != nil {
			t.Fatalf("after %d file bytes: %v", off, err)
		}
		sample()
	}
	tail := make([]byte, 5)
	if _, err := io.ReadFull(c, tail); err != nil || string(tail) != "|tail" {
		t.Fatalf("tail %q, %v", tail, err)
	}
	if maxOut > 1<<20 {
		t.Fatalf("the output buffer held up to %d bytes of a %d-byte file; want a chunk's worth", maxOut, size)
	}
}

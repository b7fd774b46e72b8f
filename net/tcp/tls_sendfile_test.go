//go:build linux

package tcp

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
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

// TestTLSSendFileShortFile: over TLS, a file that ends before the bytes
// SendFile promised ends the transfer with ErrShortFile and closes the
// connection, after the bytes it had: the peer must not wait for the
// rest.
func TestTLSSendFileShortFile(t *testing.T) {
	file := pattern(100<<10, 5)
	path := writeTemp(t, "short", file)
	dones := make(chan error, 1)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				_ = c.SendFileFunc(openFile(t, path), 0, int64(len(file))+1000, func(err error) { dones <- err })
				_ = c.Send([]byte("never"))
			}
		},
	}, WithTLS(serverTLS(t)))
	c := dialTLS(t, s, clientTLS(t, tls.VersionTLS13))
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(guard))
	got, _ := io.ReadAll(c)
	if !bytes.Equal(got, file) {
		t.Fatalf("read %d bytes before the close, want the file's %d", len(got), len(file))
	}
	if err := recv(t, dones, "done"); !errors.Is(err, ErrShortFile) {
		t.Fatalf("done(%v), want ErrShortFile", err)
	}
}

// TestTLSClientSendFileBeforeHandshake: a client's SendFile made before
// its handshake is done (the server holds the handshake until then) goes
// out right after the handshake, in order with the Sends around it.
func TestTLSClientSendFileBeforeHandshake(t *testing.T) {
	file := pattern(150<<10, 11)
	path := writeTemp(t, "early", file)
	release := make(chan struct{})
	cfg := serverTLS(t)
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		select { // the client can not finish its handshake before this
		case <-release:
		case <-time.After(guard):
		}
		return nil, nil
	}
	want := append(append([]byte("a|"), file...), "|b"...)
	received := make(chan struct{})
	var got []byte
	s := startServer(t, Callbacks{Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
		got = append(got, in.Peek()...)
		in.RetrieveAll()
		if len(got) == len(want) {
			close(received)
		}
	}}, WithTLS(cfg))
	cl, err := NewClient(s.Addr().String(), WithLogger(quietLogger), WithTLS(clientTLS(t, tls.VersionTLS13)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	cl.Connect()
	eventually(t, "a connection", func() bool { return cl.Connection() != nil })
	onLoop(cl.Loop(), func() {
		c := cl.Connection()
		if _, done := c.TLSConnectionState(); done {
			t.Error("the handshake finished before the server was released")
		}
		_ = c.SendString("a|")
		_ = c.SendFile(openFile(t, path), 0, int64(len(file)))
		_ = c.SendString("|b")
	})
	close(release)
	select {
	case <-received:
	case <-time.After(guard):
		t.Fatal("the server did not receive the client's bytes")
	}
	onLoop(s.Loops()[0], func() {
		if !bytes.Equal(got, want) {
			t.Errorf("received %d bytes, differing from the %d sent at %d", len(got), len(want), firstDiff(got, want))
		}
	})
}

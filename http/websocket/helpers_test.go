package websocket

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// guard bounds every wait of a test that fails; nothing waits for it when
// the test passes.
const guard = 10 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// echoOptions is the echo endpoint's: every message back unchanged.
func echoOptions() *Options {
	return &Options{
		Compression: true,
		Handler: Handler{OnMessage: func(c *Conn, typ MessageType, data []byte) {
			_ = c.Send(typ, data)
		}},
	}
}

// startEcho serves opts at /ws/echo on a one-loop server.
func startEcho(t testing.TB, opts *Options) *http.Server {
	t.Helper()
	rt := http.NewRouter()
	rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) {
		_, _ = Upgrade(w, r, opts)
	})
	s := http.NewServer(rt, http.WithLogger(quietLogger), http.WithLoops(1))
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawClient speaks WebSocket frame by frame over a plain net.Conn, to
// send what a well-behaved client never would.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	resp string // the handshake response head
}

func dialRaw(t testing.TB, addr string, extra string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, guard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(3 * guard))
	req := "GET /ws/echo HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	rc := &rawClient{t: t, conn: conn, r: bufio.NewReaderSize(conn, 1<<16)}
	var head strings.Builder
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			t.Fatalf("handshake response: %v (%q)", err, head.String())
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	rc.resp = head.String()
	if !strings.HasPrefix(rc.resp, "HTTP/1.1 101 ") {
		t.Fatalf("handshake refused: %q", rc.resp)
	}
	return rc
}

// frame is one frame to send or one received.
type frame struct {
	fin     bool
	rsv     byte // RSV1-3 as bits 4-6 of the first byte (0x40, 0x20, 0x10)
	op      byte
	payload []byte
}

// encode builds a masked (client) frame, or an unmasked one.
func (f frame) encode(masked bool) []byte {
	first := f.op | f.rsv
	if f.fin {
		first |= bitFin
	}
	var key []byte
	if masked {
		key = []byte{0x37, 0xfa, 0x21, 0x3d}
	}
	b := appendHeader(nil, first, len(f.payload), key)
	start := len(b)
	b = append(b, f.payload...)
	if masked {
		maskBytes([4]byte(key), 0, b[start:])
	}
	return b
}

// send writes frames, masked, in writes of chop bytes (0: each frame at once).
func (rc *rawClient) send(chop int, frames ...frame) {
	rc.t.Helper()
	var b []byte
	for _, f := range frames {
		b = append(b, f.encode(true)...)
	}
	rc.write(b, chop)
}

func (rc *rawClient) write(b []byte, chop int) {
	rc.t.Helper()
	if chop <= 0 {
		chop = len(b)
	}
	for len(b) > 0 {
		n := min(chop, len(b))
		if _, err := rc.conn.Write(b[:n]); err != nil {
			rc.t.Fatalf("write: %v", err)
		}
		b = b[n:]
	}
}

// read reads one frame from the server.
func (rc *rawClient) read() (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(rc.r, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&bitFin != 0, rsv: h[0] & 0x70, op: h[0] & 0x0F}
	if h[1]&bitMask != 0 {
		return f, errors.New("server frame masked")
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(rc.r, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(rc.r, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	f.payload = make([]byte, n)
	_, err := io.ReadFull(rc.r, f.payload)
	return f, err
}

// expectFrame reads a frame and checks its opcode and payload.
func (rc *rawClient) expectFrame(op byte, payload []byte) {
	rc.t.Helper()
	f, err := rc.read()
	if err != nil {
		rc.t.Fatalf("expected opcode %d: %v", op, err)
	}
	if f.op != op || !f.fin || !bytes.Equal(f.payload, payload) {
		rc.t.Fatalf("expected opcode %d with %d bytes, got opcode %d fin %v with %d bytes %q", op, len(payload), f.op, f.fin, len(f.payload), trim(f.payload))
	}
}

// expectClose reads the server's close frame, checks its code (0: no
// payload) and then that the server closes the TCP connection.
func (rc *rawClient) expectClose(code int) {
	rc.t.Helper()
	f, err := rc.read()
	if err != nil {
		rc.t.Fatalf("expected close %d: %v", code, err)
	}
	if f.op != opClose {
		rc.t.Fatalf("expected close %d, got opcode %d with %q", code, f.op, trim(f.payload))
	}
	got := 0
	if len(f.payload) >= 2 {
		got = int(binary.BigEndian.Uint16(f.payload))
	}
	if got != code {
		rc.t.Fatalf("close code %d (%q), want %d", got, f.payload, code)
	}
	rc.expectEOF()
}

// expectEOF checks the server closes the TCP connection with nothing more.
func (rc *rawClient) expectEOF() {
	rc.t.Helper()
	if f, err := rc.read(); err == nil {
		rc.t.Fatalf("expected the TCP close, got opcode %d with %q", f.op, trim(f.payload))
	} else if !errors.Is(err, io.EOF) {
		rc.t.Fatalf("expected the TCP close: %v", err)
	}
}

// closeNormally runs the client's side of a normal close handshake.
func (rc *rawClient) closeNormally() {
	rc.t.Helper()
	rc.send(0, frame{fin: true, op: opClose, payload: []byte{0x03, 0xe8}})
	rc.expectClose(1000)
}

func trim(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q...", b[:40])
	}
	return string(b)
}

func text(s string) frame     { return frame{fin: true, op: opText, payload: []byte(s)} }
func binFrame(b []byte) frame { return frame{fin: true, op: opBinary, payload: b} }

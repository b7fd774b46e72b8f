package websocket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	nethttp "net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

type received struct {
	typ  MessageType
	data []byte
}

type closeInfo struct {
	code   int
	reason string
}

// recorder is a Handler that reports on channels.
type recorder struct {
	msgs   chan received
	pongs  chan []byte
	closed chan closeInfo
}

func newRecorder() *recorder {
	return &recorder{msgs: make(chan received, 1024), pongs: make(chan []byte, 16), closed: make(chan closeInfo, 1)}
}

func (r *recorder) handler() Handler {
	return Handler{
		OnMessage: func(_ *Conn, typ MessageType, data []byte) {
			r.msgs <- received{typ, append([]byte(nil), data...)}
		},
		OnPong:  func(_ *Conn, data []byte) { r.pongs <- append([]byte(nil), data...) },
		OnClose: func(_ *Conn, code int, reason string) { r.closed <- closeInfo{code, reason} },
	}
}

func (r *recorder) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(guard):
		t.Fatal("no message")
	}
	return received{}
}

func (r *recorder) waitClose(t *testing.T) closeInfo {
	t.Helper()
	select {
	case c := <-r.closed:
		return c
	case <-time.After(guard):
		t.Fatal("no OnClose")
	}
	return closeInfo{}
}

func dialEcho(t *testing.T, addr string, opts *DialOptions) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := Dial(ctx, "ws://"+addr+"/ws/echo", opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDialEcho runs our client against our server, with and without
// compression and context takeover: messages of every size come back
// intact and in order, and the close handshake reports 1000 on both sides.
func TestDialEcho(t *testing.T) {
	for _, mode := range []struct{ compress, takeover bool }{{false, false}, {true, false}, {true, true}} {
		t.Run(fmt.Sprintf("compress=%v,takeover=%v", mode.compress, mode.takeover), func(t *testing.T) {
			srvRec := newRecorder()
			opts := echoOptions()
			opts.ContextTakeover = mode.takeover
			opts.OnClose = srvRec.handler().OnClose
			s := startEcho(t, opts)
			rec := newRecorder()
			c := dialEcho(t, s.Addr().String(), &DialOptions{Options: Options{Handler: rec.handler(), Compression: mode.compress, ContextTakeover: mode.takeover}})
			if c.Compressed() != mode.compress {
				t.Fatalf("compression negotiated: %v", c.Compressed())
			}
			var sent []received
			for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
				p := bytes.Repeat([]byte("abcdefgh"), n/8+1)[:n]
				if err := c.SendBinary(p); err != nil {
					t.Fatal(err)
				}
				if err := c.SendText(string(p)); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, received{BinaryMessage, p}, received{TextMessage, p})
			}
			for i := range 300 {
				p := []byte(fmt.Sprintf("message %d", i))
				_ = c.SendText(string(p))
				sent = append(sent, received{TextMessage, p})
			}
			for i, want := range sent {
				got := rec.next(t)
				if got.typ != want.typ || !bytes.Equal(got.data, want.data) {
					t.Fatalf("message %d: %v of %d bytes, want %v of %d", i, got.typ, len(got.data), want.typ, len(want.data))
				}
			}
			if err := c.Close(CloseNormal, "done"); err != nil {
				t.Fatal(err)
			}
			if err := c.SendText("late"); err != ErrClosed {
				t.Fatalf("send after Close: %v", err)
			}
			if ci := rec.waitClose(t); ci.code != CloseNormal {
				t.Fatalf("client OnClose %+v", ci)
			}
			if ci := srvRec.waitClose(t); ci.code != CloseNormal || ci.reason != "done" {
				t.Fatalf("server OnClose %+v", ci)
			}
		})
	}
}

// TestSendOrderAcrossGoroutines: a frame sent from another goroutine and
// then, after that Send returned, one sent on the loop arrive in that
// order; concurrent senders each keep their own order.
func TestSendOrderAcrossGoroutines(t *testing.T) {
	const senders, each = 4, 200
	opts := &Options{Handler: Handler{OnOpen: func(c *Conn) {
		var wg sync.WaitGroup
		for g := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					_ = c.SendText(fmt.Sprintf("%d %d", g, i))
				}
			}()
		}
		go func() {
			wg.Wait()
			_ = c.SendText("off-loop last")
			c.TCP().Loop().RunInLoop(func() { _ = c.SendText("on-loop after") })
		}()
	}}}
	s := startEcho(t, opts)
	rec := newRecorder()
	c := dialEcho(t, s.Addr().String(), &DialOptions{Options: Options{Handler: rec.handler()}})
	defer func() { _ = c.Close(CloseNormal, "") }()
	next := make([]int, senders)
	for range senders * each {
		m := rec.next(t)
		var g, i int
		if _, err := fmt.Sscanf(string(m.data), "%d %d", &g, &i); err != nil || i != next[g] {
			t.Fatalf("got %q, want sender %d's message %d", m.data, g, next[g])
		}
		next[g]++
	}
	if m := rec.next(t); string(m.data) != "off-loop last" {
		t.Fatalf("got %q", m.data)
	}
	if m := rec.next(t); string(m.data) != "on-loop after" {
		t.Fatalf("got %q", m.data)
	}
}

// TestServerClose: the server closes with a code and reason; the client
// answers and both report them.
func TestServerClose(t *testing.T) {
	srvRec := newRecorder()
	opts := &Options{Handler: Handler{
		OnMessage: func(c *Conn, _ MessageType, _ []byte) { _ = c.Close(4000, "bye") },
		OnClose:   srvRec.handler().OnClose,
	}}
	s := startEcho(t, opts)
	rec := newRecorder()
	c := dialEcho(t, s.Addr().String(), &DialOptions{Options: Options{Handler: rec.handler()}})
	_ = c.SendText("close please")
	if ci := rec.waitClose(t); ci.code != 4000 || ci.reason != "bye" {
		t.Fatalf("client OnClose %+v", ci)
	}
	if ci := srvRec.waitClose(t); ci.code != 4000 {
		t.Fatalf("server OnClose %+v", ci)
	}
	if err := c.Close(4000, "x"); err != ErrClosed {
		t.Fatalf("Close after close: %v", err)
	}
	if err := (&Conn{}).Close(1005, ""); err != ErrInvalidCloseCode {
		t.Fatalf("Close(1005): %v", err)
	}
}

// TestHandshakeRefusals checks each refusal's status and fields, and
// subprotocol negotiation, with net/http's client.
func TestHandshakeRefusals(t *testing.T) {
	s := startEcho(t, &Options{Subprotocols: []string{"v2.chat", "v1.chat"}})
	addr := s.Addr().String()
	good := map[string]string{"Connection": "keep-alive, Upgrade", "Upgrade": "WebSocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		method string
		fields map[string]string
		status int
		check  func(h nethttp.Header) string
	}{
		{"ok", "GET", good, 101, func(h nethttp.Header) string {
			if h.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
				return "accept " + h.Get("Sec-WebSocket-Accept")
			}
			return ""
		}},
		{"subprotocol", "GET", with("Sec-WebSocket-Protocol", "v1.chat, v2.chat"), 101, func(h nethttp.Header) string {
			if h.Get("Sec-WebSocket-Protocol") != "v2.chat" {
				return "protocol " + h.Get("Sec-WebSocket-Protocol")
			}
			return ""
		}},
		{"no common subprotocol", "GET", with("Sec-WebSocket-Protocol", "v3"), 101, func(h nethttp.Header) string {
			if _, ok := h["Sec-Websocket-Protocol"]; ok {
				return "protocol answered"
			}
			return ""
		}},
		{"POST", "POST", good, 405, nil},
		{"no upgrade token", "GET", with("Connection", "keep-alive"), 400, nil},
		{"no websocket upgrade", "GET", with("Upgrade", "h2c"), 400, nil},
		{"version 8", "GET", with("Sec-WebSocket-Version", "8"), 426, func(h nethttp.Header) string {
			if h.Get("Sec-WebSocket-Version") != "13" {
				return "no Sec-WebSocket-Version: 13"
			}
			return ""
		}},
		{"no key", "GET", with("Sec-WebSocket-Key", ""), 400, nil},
		{"short key", "GET", with("Sec-WebSocket-Key", "c2hvcnQ="), 400, nil},
		{"cross origin", "GET", with("Origin", "http://evil.example"), 403, nil},
		{"same origin", "GET", with("Origin", "http://"+addr), 101, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var b strings.Builder
			fmt.Fprintf(&b, "%s /ws/echo HTTP/1.1\r\nHost: %s\r\n", tc.method, addr)
			for k, v := range tc.fields {
				fmt.Fprintf(&b, "%s: %s\r\n", k, v)
			}
			b.WriteString("\r\n")
			_ = conn.SetDeadline(time.Now().Add(guard))
			_, _ = conn.Write([]byte(b.String()))
			resp, err := nethttp.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.check != nil {
				if msg := tc.check(resp.Header); msg != "" {
					t.Fatal(msg)
				}
			}
		})
	}
}

// TestBackpressure: a client that sends without reading its echoes makes
// the server stop reading once its output passes the high-water mark,
// instead of queueing without bound; reading again drains everything, in
// order.
func TestBackpressure(t *testing.T) {
	const high = 256 << 10
	var mu sync.Mutex
	maxQueued := 0
	full := make(chan struct{})
	opts := &Options{WriteHighWater: high, Handler: Handler{OnMessage: func(c *Conn, typ MessageType, data []byte) {
		_ = c.Send(typ, data)
		mu.Lock()
		q := c.TCP().OutputBytes()
		if q > high && maxQueued <= high {
			close(full)
		}
		maxQueued = max(maxQueued, q)
		mu.Unlock()
	}}}
	s := startEcho(t, opts)
	rc := dialRaw(t, s.Addr().String(), "")
	const n, size = 2000, 16 << 10 // 32 MiB, far more than the socket buffers hold
	payload := bytes.Repeat([]byte{7}, size)
	wrote := make(chan int, 1)
	go func() {
		i := 0
		for ; i < n; i++ {
			if _, err := rc.conn.Write(binFrame(binary.BigEndian.AppendUint32(payload[:size-4:size-4], uint32(i))).encode(true)); err != nil {
				break
			}
		}
		wrote <- i
	}()
	select {
	case <-full: // the client reads nothing until the server is backed up
	case <-time.After(guard):
		t.Fatal("the server's output never reached the high-water mark")
	}
	for i := range n {
		f, err := rc.read()
		if err != nil || len(f.payload) != size || binary.BigEndian.Uint32(f.payload[size-4:]) != uint32(i) {
			t.Fatalf("echo %d: %v, %d bytes", i, err, len(f.payload))
		}
	}
	<-wrote
	mu.Lock()
	defer mu.Unlock()
	// One read's worth of messages may be answered past the mark.
	if maxQueued > high+(1<<20) {
		t.Fatalf("server queued %d bytes with a high-water mark of %d", maxQueued, high)
	}
}

// TestKeepAlive: a quiet client gets pings; one that never answers is
// closed with 1001 after the idle timeout.
func TestKeepAlive(t *testing.T) {
	s := startEcho(t, &Options{PingInterval: 20 * time.Millisecond, IdleTimeout: 200 * time.Millisecond})
	rc := dialRaw(t, s.Addr().String(), "")
	f, err := rc.read()
	if err != nil || f.op != opPing {
		t.Fatalf("expected a ping: %v %v", f.op, err)
	}
	// Answering resets the idle clock; then silence ends the connection.
	rc.send(0, pong(""))
	for {
		f, err := rc.read()
		if err != nil {
			t.Fatal(err)
		}
		if f.op == opClose {
			if code := int(binary.BigEndian.Uint16(f.payload)); code != CloseGoingAway {
				t.Fatalf("close code %d", code)
			}
			break
		}
		if f.op != opPing {
			t.Fatalf("opcode %d", f.op)
		}
	}
	rc.expectEOF()
}

// TestServerShutdown: a graceful Shutdown sends 1001 to open connections
// and waits for their close handshake.
func TestServerShutdown(t *testing.T) {
	s := startEcho(t, echoOptions())
	rec := newRecorder()
	_ = dialEcho(t, s.Addr().String(), &DialOptions{Options: Options{Handler: rec.handler()}})
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if ci := rec.waitClose(t); ci.code != CloseGoingAway {
		t.Fatalf("client OnClose %+v", ci)
	}
}

// TestUpgradeNilOptions: Upgrade with nil options accepts and drops
// messages; the close handshake still works.
func TestUpgradeNilOptions(t *testing.T) {
	rt := http.NewRouter()
	rt.GET("/ws/echo", func(w *http.ResponseWriter, r *http.Request) { _, _ = Upgrade(w, r, nil) })
	s := http.NewServer(rt, http.WithLogger(quietLogger))
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rc := dialRaw(t, s.Addr().String(), "")
	rc.send(0, text("dropped"), ping("p"))
	rc.expectFrame(opPong, []byte("p"))
	rc.closeNormally()
}

// TestDialRefused: a server that answers the handshake with anything but
// 101 fails Dial with a HandshakeError carrying the status.
func TestDialRefused(t *testing.T) {
	s := startEcho(t, &Options{CheckOrigin: func(*http.Request) bool { return false }})
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	_, err := Dial(ctx, "ws://"+s.Addr().String()+"/ws/echo", nil)
	if he, ok := err.(*HandshakeError); !ok || he.Status != 403 {
		t.Fatalf("Dial: %v", err)
	}
	_, err = Dial(ctx, "ws://"+s.Addr().String()+"/nowhere", nil)
	if he, ok := err.(*HandshakeError); !ok || he.Status != 404 {
		t.Fatalf("Dial: %v", err)
	}
	if _, err := Dial(ctx, "wss://"+s.Addr().String()+"/", nil); err == nil {
		t.Fatal("wss accepted")
	}
}

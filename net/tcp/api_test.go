//go:build linux

package tcp

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// TestConnIdentity: names, IDs, addresses and the context of server and
// client connections.
func TestConnIdentity(t *testing.T) {
	rec := newRecorder()
	type seen struct {
		ctx    any
		inLoop bool
	}
	seenCh := make(chan seen, 8)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				c.SetData("ctx-" + c.Name())
			}
			rec.onConnection(c)
		},
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			in.RetrieveAll()
			seenCh <- seen{c.Data(), c.Loop().InLoop()}
		},
	}, WithName("echo"), WithLoops(2))
	if s.Name() != "echo" || !s.Addr().Addr().IsLoopback() || s.Addr().Port() == 0 {
		t.Fatalf("server %q at %v", s.Name(), s.Addr())
	}
	re := regexp.MustCompile(fmt.Sprintf(`^echo-127\.0\.0\.1:%d#(\d+)$`, s.Addr().Port()))
	for i := 1; i <= 3; i++ {
		cl := dial(t, s)
		c := recv(t, rec.up, "up")
		m := re.FindStringSubmatch(c.Name())
		if m == nil || m[1] != fmt.Sprint(i) || c.ID() != uint64(i) {
			t.Fatalf("connection %d named %q, ID %d", i, c.Name(), c.ID())
		}
		if c.LocalAddr() != s.Addr() {
			t.Fatalf("LocalAddr %v, want %v", c.LocalAddr(), s.Addr())
		}
		if want := netip.MustParseAddrPort(cl.LocalAddr().String()); c.PeerAddr() != want {
			t.Fatalf("PeerAddr %v, want the client's %v", c.PeerAddr(), want)
		}
		mustWrite(t, cl, "x")
		if got := recv(t, seenCh, "message"); got.ctx != "ctx-"+c.Name() || !got.inLoop {
			t.Fatalf("Context() = %v in the message callback (on loop: %v)", got.ctx, got.inLoop)
		}
	}

	// The client's connection: named after the client and the server address.
	crec := newRecorder()
	cl := newTestClient(t, s.Addr().String(), crec, WithName("cli"))
	cl.Connect()
	cc := recv(t, crec.up, "client up")
	sc := recv(t, rec.up, "server side")
	if want := fmt.Sprintf("cli-%v#1", s.Addr()); cc.Name() != want {
		t.Fatalf("client connection %q, want %q", cc.Name(), want)
	}
	if cc.PeerAddr() != s.Addr() || cc.LocalAddr() != sc.PeerAddr() {
		t.Fatalf("client connection %v -> %v, server sees %v", cc.LocalAddr(), cc.PeerAddr(), sc.PeerAddr())
	}
	if cl.Loop() != cc.Loop() {
		t.Fatal("the client's connection is not on the client's loop")
	}
}

// TestUnspecifiedListenAddr: a server on 0.0.0.0 reports each connection's
// real local address.
func TestUnspecifiedListenAddr(t *testing.T) {
	rec := newRecorder()
	s := NewServer(WithLogger(quietLogger))
	s.SetConnectionCallback(rec.onConnection)
	if err := s.Start("0.0.0.0:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Addr().Port()), guard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := recv(t, rec.up, "up")
	if want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), s.Addr().Port()); sc.LocalAddr() != want {
		t.Fatalf("LocalAddr %v, want %v", sc.LocalAddr(), want)
	}
}

// TestSendVariants: Send, SendString, Sendv and SendBuffer, on the loop and
// off it, put the same bytes on the wire, in call order.
func TestSendVariants(t *testing.T) {
	big := pattern(6<<20, 7) // larger than the kernel takes at once
	var parts [][]byte       // more slices than one writev takes, some empty
	for i := 0; i < 150; i++ {
		parts = append(parts, big[i*1000:i*1000+i%7*100])
	}
	joined := bytes.Join(parts, nil)
	thirds := [][]byte{big[:2<<20], {}, big[2<<20 : 4<<20], big[4<<20:]}

	send := func(c *Conn, variant string) error {
		switch variant {
		case "Send":
			return c.Send(big)
		case "SendString":
			return c.SendString(string(big))
		case "SendBuffer":
			var b buffer.Buffer
			b.Append(big)
			if err := c.SendBuffer(&b); err != nil || b.ReadableBytes() != 0 {
				return fmt.Errorf("SendBuffer left %d bytes, %v", b.ReadableBytes(), err)
			}
			return nil
		case "Sendv":
			return c.Sendv(thirds...)
		case "Sendv-many":
			return c.Sendv(parts...)
		case "Send-empty":
			if err := c.Send(nil); err != nil {
				return err
			}
			return c.Sendv()
		}
		panic(variant)
	}
	want := map[string][]byte{"Send": big, "SendString": big, "SendBuffer": big, "Sendv": big, "Sendv-many": joined, "Send-empty": nil}

	errs := make(chan error, 16)
	ups := make(chan *Conn, 1)
	s := startServer(t, Callbacks{
		Connection: func(c *Conn) {
			if c.Connected() {
				ups <- c
			}
		},
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			// On the loop: the request names the variant.
			errs <- send(c, in.RetrieveAllAsString())
		},
	}, WithLoops(1))
	for _, fromLoop := range []bool{true, false} {
		for _, v := range []string{"Send", "SendString", "SendBuffer", "Sendv", "Sendv-many", "Send-empty"} {
			t.Run(fmt.Sprintf("%s/onloop=%v", v, fromLoop), func(t *testing.T) {
				c := dial(t, s)
				sc := recv(t, ups, "up")
				if fromLoop {
					mustWrite(t, c, v)
				} else {
					// Twice from this goroutine: the second follows the first.
					errs <- send(sc, v)
					errs <- send(sc, v)
				}
				if err := recv(t, errs, "send"); err != nil {
					t.Fatal(err)
				}
				w := want[v]
				if !fromLoop {
					if err := recv(t, errs, "send"); err != nil {
						t.Fatal(err)
					}
					w = append(append([]byte(nil), w...), w...)
				}
				sc.Shutdown() // EOF after the data
				_ = c.SetReadDeadline(time.Now().Add(guard))
				got, err := io.ReadAll(c)
				if err != nil || !bytes.Equal(got, w) {
					t.Fatalf("got %d bytes (%v), want %d", len(got), err, len(w))
				}
			})
		}
	}
}

// TestForceCloseWithDelay: the connection stops taking sends at once and
// closes after the delay.
func TestForceCloseWithDelay(t *testing.T) {
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection})
	cl := dial(t, s)
	c := recv(t, rec.up, "up")
	c.ForceCloseWithDelay(50 * time.Millisecond)
	if err := c.Send([]byte("x")); err != ErrClosed {
		t.Fatalf("Send while closing: %v", err)
	}
	recv(t, rec.down, "down")
	_ = cl.SetReadDeadline(time.Now().Add(guard))
	if _, err := cl.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read %v, want EOF", err)
	}
}

// TestServerMisc: options and accessors of Server.
func TestServerMisc(t *testing.T) {
	if err := NewServer().Start("not an address"); err == nil {
		t.Fatal("Start accepted a bad address")
	}
	inits := make(chan *reactor.EventLoop, 8)
	rec := newRecorder()
	s := startServer(t, Callbacks{Connection: rec.onConnection}, WithLoops(3),
		WithLoopInit(func(l *reactor.EventLoop) {
			if !l.InLoop() {
				t.Error("loop init off its loop")
			}
			inits <- l
		}))
	if len(s.Loops()) != 3 || len(inits) != 3 {
		t.Fatalf("%d loops, %d inits", len(s.Loops()), len(inits))
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Fatal("a second Start succeeded")
	}
	// A second server on the same port fails to start, and cleans up.
	base := fdCount(t)
	s2 := NewServer(WithLogger(quietLogger))
	if err := s2.Start(s.Addr().String()); err == nil {
		s2.Close()
		t.Fatal("two servers on one port")
	}
	// No more fds than before (fewer is an earlier test's connection
	// finishing its close meanwhile, which happened in a 20-run loop).
	eventually(t, "the failed Start's fds to be closed", func() bool { return fdCount(t) <= base })
	for range 6 {
		dial(t, s)
		recv(t, rec.up, "up")
	}
	perLoop := map[*reactor.EventLoop]int{}
	s.ForEachConn(func(c *Conn) {
		if !c.Loop().InLoop() {
			t.Error("ForEachConn off the connection's loop")
		}
		perLoop[c.Loop()]++ // one loop at a time: ForEachConn waits for each
	})
	for _, l := range s.Loops() {
		if perLoop[l] != 2 {
			t.Fatalf("round robin: %v", perLoop)
		}
	}
}

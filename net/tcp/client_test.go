//go:build linux

package tcp

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	mnet "github.com/seed08ffa9f8/muduo-go/net"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// freePort returns a loopback address nothing listens on (it did a moment
// ago, so it is not in use).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func newTestClient(t *testing.T, addr string, rec *recorder, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(addr, append([]Option{WithLogger(quietLogger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c.SetConnectionCallback(rec.onConnection)
	t.Cleanup(c.Stop)
	return c
}

// TestClientRetriesUntilServerAppears starts a client against a port with
// nothing listening and the server a second later.
func TestClientRetriesUntilServerAppears(t *testing.T) {
	addr := freePort(t)
	rec := newRecorder()
	c := newTestClient(t, addr, rec, WithRetry(true))
	c.Connect()
	eventually(t, "a second connect attempt", func() bool { return c.connector.Attempts.Load() >= 2 })
	select {
	case conn := <-rec.up:
		t.Fatalf("connected to %s with no server", conn.PeerAddr())
	default:
	}

	srec := newRecorder()
	s := NewServer(WithLogger(quietLogger))
	s.SetCallbacks(Callbacks{Connection: srec.onConnection, Message: echoMessage})
	if err := s.Start(addr); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	conn := recv(t, rec.up, "client connection")
	recv(t, srec.up, "server connection")
	if n := c.connector.Attempts.Load(); n < 2 {
		t.Fatalf("Attempts = %d, want > 1", n)
	}
	if conn.PeerAddr().String() != addr || c.Connection() != conn {
		t.Fatalf("connection to %s, Connection() = %p, want %p", conn.PeerAddr(), c.Connection(), conn)
	}
}

// TestClientReconnectsWithRetry: with retry enabled, a connection the server
// closes is made again.
func TestClientReconnectsWithRetry(t *testing.T) {
	srec := newRecorder()
	s := startServer(t, Callbacks{Connection: srec.onConnection, Message: echoMessage})
	rec := newRecorder()
	c := newTestClient(t, s.Addr().String(), rec, WithRetry(true))
	c.Connect()
	first := recv(t, rec.up, "first connection")
	recv(t, srec.up, "server side").ForceClose()
	if d := recv(t, rec.down, "client down"); d != first {
		t.Fatalf("down for %s, want %s", d.Name(), first.Name())
	}
	second := recv(t, rec.up, "reconnection")
	recv(t, srec.up, "server side of the reconnection")
	if second == first || second.ID() != first.ID()+1 {
		t.Fatalf("reconnection %s after %s", second.Name(), first.Name())
	}
	if got := c.Connection(); got != second {
		t.Fatalf("Connection() = %v, want the new connection", got)
	}
	if err := first.Send([]byte("x")); err != ErrClosed {
		t.Fatalf("Send on the dropped connection: %v", err)
	}
}

// TestClientDisconnectHalfCloses: Disconnect sends what is queued, then a
// FIN; the server reads everything, then EOF, and closes; the client does
// not reconnect although retry is on.
func TestClientDisconnectHalfCloses(t *testing.T) {
	srec := newRecorder()
	got := make(chan string, 16)
	s := startServer(t, Callbacks{
		Connection: srec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			got <- in.RetrieveAllAsString()
		},
	})
	rec := newRecorder()
	c := newTestClient(t, s.Addr().String(), rec, WithRetry(true))
	c.Connect()
	conn := recv(t, rec.up, "up")
	sc := recv(t, srec.up, "server up")
	if err := conn.Send([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	c.Disconnect()
	if err := conn.Send([]byte("more")); err != ErrClosed {
		t.Fatalf("Send after Disconnect: %v, want ErrClosed", err)
	}
	if m := recv(t, got, "bye"); m != "bye" {
		t.Fatalf("server got %q", m)
	}
	if d := recv(t, srec.down, "server down"); d != sc {
		t.Fatal("wrong server connection down")
	}
	recv(t, rec.down, "client down")
	attempts := c.connector.Attempts.Load()
	time.Sleep(200 * time.Millisecond) // a reconnect would be immediate
	if n := c.connector.Attempts.Load(); n != attempts {
		t.Fatalf("client reconnected after Disconnect (%d attempts, then %d)", attempts, n)
	}
	if c.Connection() != nil {
		t.Fatal("Connection() not nil after the connection closed")
	}
}

// TestClientStopStopsRetrying: Stop cancels the pending retry. The client
// runs on a loop the test owns, which keeps running after Stop, so a retry
// that was not cancelled would still happen.
func TestClientStopStopsRetrying(t *testing.T) {
	loop, err := reactor.New(reactor.WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	loop.Start()
	defer func() { loop.Quit(); <-loop.Done() }()
	rec := newRecorder()
	c := newTestClient(t, freePort(t), rec, WithBaseLoop(loop), WithRetry(true))
	c.Connect()
	eventually(t, "a failed attempt", func() bool { return c.connector.Attempts.Load() >= 1 })
	onLoop(loop, func() {}) // the attempt has failed and a retry is due in 0.5 s
	c.Stop()
	n := c.connector.Attempts.Load()
	time.Sleep(InitialRetryDelay + 700*time.Millisecond)
	if m := c.connector.Attempts.Load(); m != n {
		t.Fatalf("%d connect attempts after Stop", m-n)
	}
	c.Connect() // no effect after Stop
	onLoop(loop, func() {})
	if m := c.connector.Attempts.Load(); m != n {
		t.Fatal("Connect after Stop made an attempt")
	}
}

// TestClientStopClosesConnection: Stop closes the connection at once; the
// client's down callback runs and the server sees the close.
func TestClientStopClosesConnection(t *testing.T) {
	srec := newRecorder()
	s := startServer(t, Callbacks{Connection: srec.onConnection})
	rec := newRecorder()
	c := newTestClient(t, s.Addr().String(), rec, WithRetry(true))
	c.Connect()
	conn := recv(t, rec.up, "up")
	recv(t, srec.up, "server up")
	c.Stop()
	if d := recv(t, rec.down, "client down"); d != conn {
		t.Fatal("wrong connection down")
	}
	recv(t, srec.down, "server down")
	if c.Connection() != nil || !conn.Disconnected() {
		t.Fatal("connection still there after Stop")
	}
	select {
	case <-c.Loop().Done():
	case <-time.After(guard):
		t.Fatal("the client's own loop did not stop")
	}
}

// TestClientConnectionFromGoroutines reads Connection() and sends on it
// from several goroutines while the server keeps dropping the connection
// and the client reconnects (a data race shows under -race).
func TestClientConnectionFromGoroutines(t *testing.T) {
	srec := newRecorder()
	var received atomic.Int64
	s := startServer(t, Callbacks{
		Connection: srec.onConnection,
		Message: func(c *Conn, in *buffer.Buffer, _ time.Time) {
			received.Add(int64(in.ReadableBytes()))
			in.RetrieveAll()
		},
	})
	rec := newRecorder()
	c := newTestClient(t, s.Addr().String(), rec, WithRetry(true))
	c.Connect()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if conn := c.Connection(); conn != nil {
					_ = conn.Name()
					_ = conn.Connected()
					_ = conn.SendString("data")
				}
			}
		}()
	}
	for i := range 5 {
		recv(t, rec.up, fmt.Sprintf("connection %d", i))
		sc := recv(t, srec.up, "server up")
		before := received.Load()
		eventually(t, "data sent through Connection()", func() bool { return received.Load() > before })
		sc.ForceClose()
		recv(t, rec.down, "client down")
	}
	close(stop)
	wg.Wait()
}

// TestSelfConnectDetected drives the Connector into TCP's simultaneous
// open on itself: its first socket is bound (through the beforeConnect
// hook) to the very port it connects to on loopback, with nothing
// listening, so the connect "succeeds" with no server. The Connector must
// see it (net.IsSelfConnect), retry after the backoff, and connect to the
// server that is listening by the second attempt.
func TestSelfConnectDetected(t *testing.T) {
	if mnet.Backend != "epoll" {
		t.Skip("drives the Connector's raw socket (bind, poll): the portable backend's handles are not kernel fds")
	}
	ap := netip.MustParseAddrPort(freePort(t))
	causes := &retryCauses{}
	rec := newRecorder()
	c := newTestClient(t, ap.String(), rec, WithRetry(true))
	c.SetConnectErrorCallback(causes.add)
	listening := make(chan net.Listener, 1)
	attempt := 0
	c.connector.beforeConnect = func(fd int) {
		attempt++
		switch attempt {
		case 1:
			// SO_REUSEADDR: the closed self-connection's TIME_WAIT then
			// does not keep the server below off the port.
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			sa := &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
			if err := unix.Bind(fd, sa); err != nil {
				t.Errorf("bind the client's socket to %v: %v", ap, err)
			}
		case 2: // the self-connected socket is closed: a server may have the port
			l, err := net.Listen("tcp", ap.String())
			if err != nil {
				t.Errorf("listen on %v: %v", ap, err)
				return
			}
			listening <- l
		}
	}
	c.Connect()
	conn := recv(t, rec.up, "a connection after the self-connect")
	l := recv(t, listening, "the listener")
	defer l.Close()
	if got, want := conn.LocalAddr(), conn.PeerAddr(); got == want {
		t.Fatalf("connected to itself: %v", got)
	}
	if n := c.connector.Attempts.Load(); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
	if got := causes.all(); len(got) != 1 || !strings.HasSuffix(got[0], ": self connect") {
		t.Fatalf("retries for %q, want one for the self-connect", got)
	}
}

// TestConnectorSocketErrorRetried: a connect reported done whose socket
// holds an error (here the server reset it before the Connector looked,
// through the onWritable hook) is closed and retried after the backoff,
// not handed over as a connection.
func TestConnectorSocketErrorRetried(t *testing.T) {
	if mnet.Backend != "epoll" {
		t.Skip("drives the Connector's raw socket (bind, poll): the portable backend's handles are not kernel fds")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan *net.TCPConn, 2)
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- nc.(*net.TCPConn)
		}
	}()
	causes := &retryCauses{}
	rec := newRecorder()
	c := newTestClient(t, l.Addr().String(), rec, WithRetry(true))
	c.SetConnectErrorCallback(causes.add)
	attempt := 0
	c.connector.onWritable = func(fd int) {
		if attempt++; attempt > 1 {
			return
		}
		var nc *net.TCPConn
		select { // on the loop: no t.Fatal here
		case nc = <-accepted:
		case <-time.After(guard):
			t.Error("the server did not accept the first connection")
			return
		}
		_ = nc.SetLinger(0)
		_ = nc.Close() // RST
		// Wait, without reading SO_ERROR, until the reset has arrived.
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		deadline := time.Now().Add(guard)
		for pfd[0].Revents&(unix.POLLERR|unix.POLLHUP) == 0 && time.Now().Before(deadline) {
			_, _ = unix.Poll(pfd, 100)
		}
	}
	c.Connect()
	conn := recv(t, rec.up, "a connection after the reset")
	if !conn.Connected() {
		t.Fatal("handed over a connection that is not connected")
	}
	if n := c.connector.Attempts.Load(); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
	if got := causes.all(); len(got) != 1 || !strings.HasSuffix(got[0], unix.ECONNRESET.Error()) {
		t.Fatalf("retries for %q, want one for the reset", got)
	}
}

// retryCauses keeps the error of each failed connect attempt the client
// reports (SetConnectErrorCallback), on the client's loop.
type retryCauses struct {
	mu     sync.Mutex
	causes []string
}

func (r *retryCauses) add(err error) {
	r.mu.Lock()
	r.causes = append(r.causes, err.Error())
	r.mu.Unlock()
}

func (r *retryCauses) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.causes...)
}

// TestClientImmediateConnectError: a connect that fails at once (here
// ENETUNREACH for the broadcast address) is retried like a refused one.
func TestClientImmediateConnectError(t *testing.T) {
	rec := newRecorder()
	c := newTestClient(t, "255.255.255.255:9", rec, WithRetry(true))
	c.Connect()
	eventually(t, "a retried attempt", func() bool { return c.connector.Attempts.Load() >= 2 })
	c.Stop()
	select {
	case <-rec.up:
		t.Fatal("connected to the broadcast address")
	default:
	}
}

// TestClientConnectAgain: without retry, Connect after the connection went
// down (closed by the server, or by Disconnect) makes a new connection.
func TestClientConnectAgain(t *testing.T) {
	srec := newRecorder()
	s := startServer(t, Callbacks{Connection: srec.onConnection})
	rec := newRecorder()
	c := newTestClient(t, s.Addr().String(), rec)
	c.Connect()
	first := recv(t, rec.up, "up")
	recv(t, srec.up, "server up").ForceClose()
	recv(t, rec.down, "down")
	c.Connect()
	second := recv(t, rec.up, "up after the server closed")
	recv(t, srec.up, "server up")
	if second == first {
		t.Fatal("same connection")
	}
	c.Disconnect()
	recv(t, srec.down, "server down")
	recv(t, rec.down, "down after Disconnect")
	c.Connect()
	recv(t, rec.up, "up after Disconnect")
	recv(t, srec.up, "server up")
}

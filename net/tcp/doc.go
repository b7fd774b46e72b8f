// Package tcp is muduo's TcpServer, TcpClient and TcpConnection on the
// reactor: Server (with its Acceptor), Client (with its Connector) and Conn.
//
// It runs on either backend of package reactor: epoll on Linux (the fast
// path, and the one the benchmarks measure), or, on every other system and
// on Linux with the muduo_portable build tag, Go's net package with a
// reader and a writer goroutine per connection. The callbacks, their order
// and the goroutine they run on are the same. On the portable backend
// WithReusePort fails on Windows (there is no SO_REUSEPORT there),
// WithBacklog is left to Go's net package, and a server does not shed
// connections with a spare fd when it runs out of fds (its accept
// goroutine backs off instead).
//
// # Ownership and lifetime of a Conn
//
// A Conn is created only by a Server or a Client, and is owned by exactly
// one event loop, its IO loop, for its whole life. Every callback for a
// Conn runs on that loop's goroutine. A Conn goes through
//
//	connecting -> connected -> (disconnecting) -> disconnected
//
// and becomes invalid when it reaches disconnected: the connection callback
// has then been called a second time (Connected() == false), after which
// the owner forgets it and the fd is closed - in that order, on the loop,
// after the last callback has returned. A user may keep the *Conn pointer
// (the garbage collector keeps the memory), but an invalid Conn does
// nothing: Send returns ErrClosed and writes nothing, Shutdown and
// ForceClose are no-ops. Because every use of the fd happens on the loop
// and checks the state first, a stale Conn can never reach a new
// connection that the kernel gave the same fd number.
//
// # Which goroutine may call what
//
// Methods documented "safe from any goroutine" may be called from anywhere
// (from the loop they act at once; from elsewhere they are queued onto the
// loop in call order). The *buffer.Buffer handed to a message callback is
// valid only during that callback, on the loop: it may be a view over the
// loop's shared read scratch. Unconsumed bytes are kept for the next call.
//
// # Sending files
//
// SendFile queues a range of a file in the connection's output stream,
// after whatever was sent before it and before whatever is sent after:
//
//	c.SendString(head)                      // through the output buffer
//	c.SendFile(f, 0, size)                  // page cache -> socket, sendfile(2)
//	c.SendString(next)                      // waits for the file's last byte
//
// On the epoll backend the file's bytes never enter user space: the loop
// calls sendfile(2) a chunk at a time and resumes on EPOLLOUT, so a slow
// reader of a large file costs the server no goroutine and no buffer. The
// file is closed when its bytes are out or the connection ends
// (SendFileFunc instead reports to a callback and leaves a shared file
// open). Files sendfile(2) refuses, and every file on the portable
// backend, are copied through a small buffer; SendReader copies from any
// reader. LoopStats.BytesSendFile counts the bytes sendfile(2) moved.
//
// # Addresses
//
// NewServer takes an address as net.Listen("tcp", addr) does: host names
// are looked up ("localhost:8080" listens on 127.0.0.1 where net.Listen
// would), service names are ports ("127.0.0.1:http"), ":8080" and
// "[::]:8080" are one dual-stack socket (IPV6_V6ONLY off; IPv4 only where
// the system has no IPv6), "[::1]:8080" is IPv6 loopback. The one
// difference: "0.0.0.0:8080" listens on IPv4 only, as net.Listen("tcp4").
// Peer and local addresses are reported as net reports them: an IPv4 peer
// of a dual-stack listener is 127.0.0.1, not ::ffff:127.0.0.1. NewClient
// resolves names and service names the same way. Address errors quote the
// address and wrap net's error (*net.AddrError, *net.DNSError).
//
// # Connect errors
//
// A Client's failed connect is reported at once to its
// ConnectErrorCallback (or logged, without one) as a *net.OpError like
// net.Dial's: "dial tcp 127.0.0.1:9: connect: connection refused", with
// errors.Is(err, syscall.ECONNREFUSED). Without retry the client then
// stops; with WithRetry it tries again with backoff (InitialRetryDelay
// doubling to MaxRetryDelay) and reports each failed attempt.
//
// # Out of file descriptors
//
// When accept fails with EMFILE or ENFILE, a Server closes every pending
// connection at once, with muduo's reserved spare fd, so that its clients
// read EOF (or a reset) instead of waiting in the backlog; when even that
// is not possible it pauses accepting, with a backoff up to a second, and
// never spins. Connections already open are not touched, and new ones are
// served again as soon as fds are free. Measured with BenchmarkEMFILEFate
// (40 clients arriving while a server limited to 64 fds is out of them):
// closing at once told all 40 in 5 ms; pausing alone, muduo-go's earlier
// behaviour, told none within a second and the last after 45 s.
//
// # TLS
//
// WithTLS makes a Server's or a Client's connections speak TLS with the
// standard library's crypto/tls, unmodified:
//
//	srv := tcp.NewServer(tcp.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
//	srv.SetMessageCallback(func(c *tcp.Conn, in *buffer.Buffer, _ time.Time) {
//		c.Send(in.Peek()) // plaintext in, plaintext out: an echo over TLS
//		in.RetrieveAll()
//	})
//
// The callbacks, Send, Shutdown, StopRead and the rest carry plaintext
// and behave as on a plain connection; the Connection callback comes once
// the handshake is done (a failed handshake is never announced, only
// counted in TLSStats and given to the TLSHandshakeErrorCallback), and
// Conn.TLSConnectionState reports what was negotiated.
//
// Design. A tls.Conn sits on a small in-memory net.Conn of ours (the
// record conn) rather than on the socket. crypto/tls's handshake is a
// sequential function that blocks on its reads, so it runs on a goroutine:
// the loop feeds it the bytes it reads, and queues back onto the loop the
// records it writes, which the loop sends. A server starts that goroutine
// only once the first record (the ClientHello) is complete, so a peer that
// connects and stalls costs no goroutine; at most WithTLSMaxHandshakes run
// at once (the others wait in arrival order, their timeout paused while
// they wait), and each must be done within WithTLSHandshakeTimeout
// (DefaultTLSHandshakeTimeout, counted from accept). When the handshake
// returns, the goroutine moves on to the next waiting handshake or ends.
//
// After the handshake everything runs on the loop, with no goroutine: a
// read event's ciphertext is handed to the record conn and tls.Conn.Read
// is called until the record conn says "no more input" with a temporary
// net.Error. crypto/tls keeps a partial record in its own input buffer and
// does not make a temporary error sticky (see readRecordOrCCS in
// crypto/tls/conn.go), so the next read event carries on where this one
// stopped. The plaintext goes into the connection's input buffer, which is
// returned to the loop's pool once consumed, as on the plain path. Send's
// plaintext is encrypted by tls.Conn.Write into one record buffer per loop
// and sent at once, queued if the socket is full (the high-water mark and
// OutputBytes count ciphertext); Sendv's slices are coalesced into one
// record. Shutdown sends close_notify before the FIN; a close_notify or a
// FIN from the peer is a half-close, as on a plain connection; a bad
// record gets crypto/tls's alert and a close. An idle established
// connection holds no goroutine and no buffer of ours: only the tls.Conn
// and what crypto/tls itself keeps (its input buffer's capacity).
//
// Measured (benchmarks/cmd/tlsbench, server pinned to one core, ECDSA
// P-256, TLS 1.3, medians of 3 interleaved rounds on a loaded 2-core
// machine): an idle HTTPS connection costs the server 12 KB of RSS against
// net/http's 39 KB and fasthttp's 32 KB; pipelined requests 4.6 µs of CPU
// each against net/http's 33; a full handshake 1.2-1.5x net/http's CPU,
// the price of handing each flight between the handshake's goroutine and
// the locked loop thread. An echo round trip over an established
// connection allocates nothing of ours (BenchmarkTLSEchoRoundTrip: the 3
// allocations are crypto/tls's, one per record read attempt).
package tcp

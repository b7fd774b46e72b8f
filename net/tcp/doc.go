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
package tcp

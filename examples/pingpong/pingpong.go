package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// StartServer starts the pingpong server on addr with loops IO loops: an
// echo server, every byte a connection receives goes back on it in order.
// The caller stops it with Shutdown or Close.
func StartServer(addr string, loops int, logger *slog.Logger) (*tcp.Server, error) {
	if logger == nil {
		logger = slog.Default()
	}
	srv := tcp.NewServer(tcp.WithName("pingpong"), tcp.WithLoops(loops), tcp.WithLogger(logger))
	srv.SetMessageCallback(echo)
	if err := srv.Start(addr); err != nil {
		return nil, err
	}
	return srv, nil
}

// echo sends the input back and consumes it: Send writes at once or
// copies, so nothing is allocated in the steady state.
func echo(c *tcp.Conn, in *buffer.Buffer, _ time.Time) {
	_ = c.Send(in.Peek())
	in.RetrieveAll()
}

// ClientConfig is what RunClient needs.
type ClientConfig struct {
	Addr  string // server address, "host:port"
	Conns int    // connections, >= 1
	Size  int    // bytes per block (one message), >= 1
	Loops int    // IO loops besides the base loop, >= 0
	// ConnectTimeout bounds the wait for every connection to come up
	// (0: 10 s). A connect that fails (refused, unreachable) is not
	// retried: RunClient fails as soon as every connection is either up or
	// failed, saying how many are up and why the others failed.
	ConnectTimeout time.Duration
	// Verify checks every byte received against the block's content at its
	// offset in the stream (costs CPU; the tests turn it on).
	Verify bool
	// Logger receives the loops' and connections' logs (nil: slog.Default).
	Logger *slog.Logger
}

// Result is what a client run measured, from the moment every connection
// was up to the end of the duration.
type Result struct {
	Conns   int
	Size    int
	Elapsed time.Duration
	Bytes   int64 // bytes received by the client
}

// Messages returns the number of messages received: Bytes / Size.
func (r Result) Messages() int64 {
	if r.Size <= 0 {
		return 0
	}
	return r.Bytes / int64(r.Size)
}

// MiBPerSec returns the bytes received per second, in MiB.
func (r Result) MiBPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / (1 << 20) / r.Elapsed.Seconds()
}

// MsgsPerSec returns the messages received per second.
func (r Result) MsgsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Messages()) / r.Elapsed.Seconds()
}

// String formats the result as the line the client prints.
func (r Result) String() string {
	return fmt.Sprintf("pingpong: conns=%d size=%d time=%.2fs bytes=%d MiB/s=%.1f msgs/s=%.1f",
		r.Conns, r.Size, r.Elapsed.Seconds(), r.Bytes, r.MiBPerSec(), r.MsgsPerSec())
}

// session is one client connection's state. bytes is written on the
// connection's loop and read by RunClient; the rest is loop only.
type session struct {
	block    []byte
	verify   bool
	stopping *atomic.Bool // RunClient is closing the connections
	up       func()       // called once, when the connection comes up

	bytes  atomic.Int64
	lost   atomic.Bool // went down before RunClient closed it
	bad    atomic.Bool // received bytes differed from the block
	offset int         // stream offset of the next byte, modulo len(block)
}

func (s *session) onConnection(c *tcp.Conn) {
	if c.Connected() {
		s.up()
		_ = c.Send(s.block)
		return
	}
	if !s.stopping.Load() {
		s.lost.Store(true)
	}
}

func (s *session) onMessage(c *tcp.Conn, in *buffer.Buffer, _ time.Time) {
	p := in.Peek()
	if s.verify && !s.check(p) {
		s.bad.Store(true)
		c.ForceClose()
		in.RetrieveAll()
		return
	}
	s.bytes.Add(int64(len(p)))
	_ = c.Send(p)
	in.RetrieveAll()
}

// check compares p with the block's bytes at the current stream offset and
// advances the offset.
func (s *session) check(p []byte) bool {
	for len(p) > 0 {
		want := s.block[s.offset:]
		n := min(len(want), len(p))
		if !bytes.Equal(p[:n], want[:n]) {
			return false
		}
		p = p[n:]
		if s.offset += n; s.offset == len(s.block) {
			s.offset = 0
		}
	}
	return true
}

// makeBlock returns size bytes with a period (251, a prime) that does not
// divide usual block sizes, so a lost or repeated byte shows.
func makeBlock(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// RunClient runs the pingpong client of cfg for d (see the command's
// documentation) and returns what it measured. Every connection and loop it
// made is closed and stopped when it returns. It fails if a connection can
// not be made in time, goes down before the end, or (with Verify) returns
// bytes that are not the block's.
func RunClient(cfg ClientConfig, d time.Duration) (Result, error) {
	switch {
	case cfg.Conns < 1:
		return Result{}, errors.New("pingpong: conns must be >= 1")
	case cfg.Size < 1:
		return Result{}, errors.New("pingpong: size must be >= 1")
	case cfg.Loops < 0:
		return Result{}, errors.New("pingpong: loops must be >= 0")
	case d <= 0:
		return Result{}, errors.New("pingpong: duration must be > 0")
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	timeout := cfg.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}

	base, err := reactor.New(reactor.WithName("pingpong-client"), reactor.WithLogger(lg))
	if err != nil {
		return Result{}, err
	}
	pool, err := reactor.NewLoopPool(base, cfg.Loops, reactor.RoundRobin, "pingpong-client", reactor.WithLogger(lg))
	if err != nil {
		base.Close()
		return Result{}, err
	}
	base.Start()
	pool.Start()

	var (
		stopping atomic.Bool
		clients  []*tcp.Client
		sessions []*session
		tally    = newConnectTally(cfg.Conns)
	)
	// Stop every client while the loops still run, then the loops.
	defer func() {
		stopping.Store(true)
		for _, c := range clients {
			c.Stop()
		}
		pool.Stop()
		base.Quit()
		<-base.Done()
	}()

	block := makeBlock(cfg.Size)
	up := tally.up
	lg.Info("pingpong: connecting", "conns", cfg.Conns, "to", cfg.Addr)
	for i := 0; i < cfg.Conns; i++ {
		c, err := tcp.NewClient(cfg.Addr, tcp.WithBaseLoop(pool.Next()), tcp.WithLogger(lg),
			tcp.WithName(fmt.Sprintf("pingpong-%d", i)))
		if err != nil {
			return Result{}, err
		}
		s := &session{block: block, verify: cfg.Verify, stopping: &stopping, up: up}
		c.SetCallbacks(tcp.Callbacks{Connection: s.onConnection, Message: s.onMessage})
		c.SetConnectErrorCallback(tally.failed)
		clients = append(clients, c)
		sessions = append(sessions, s)
		c.Connect()
	}

	select {
	case <-tally.settled:
	case <-time.After(timeout):
	}
	if err := tally.verdict(timeout); err != nil {
		return Result{}, err
	}
	lg.Info("pingpong: connected", "conns", cfg.Conns, "to", cfg.Addr)
	total := func() int64 {
		var n int64
		for _, s := range sessions {
			n += s.bytes.Load()
		}
		return n
	}
	start, startBytes := time.Now(), total()
	time.Sleep(d)
	elapsed, endBytes := time.Since(start), total()
	res := Result{Conns: cfg.Conns, Size: cfg.Size, Bytes: endBytes - startBytes, Elapsed: elapsed}

	for i, s := range sessions {
		if s.bad.Load() {
			return res, fmt.Errorf("pingpong: connection %d received bytes that differ from the block", i)
		}
		if s.lost.Load() {
			return res, fmt.Errorf("pingpong: connection %d went down during the run", i)
		}
	}
	return res, nil
}

package main

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// ChatServer is muduo's chat server: every message a client sends is sent
// to every connected client, the sender included, in the order the server
// decoded them (so each client sees each sender's messages in order).
//
// The set of connected clients belongs to the server. With zero IO loops
// every callback runs on the one loop and the set needs no lock; with IO
// loops the callbacks run on several loops, so the set is guarded by a
// mutex and a message is sent to a client on another loop with Conn.Send
// from the sender's loop, which is safe from any goroutine.
type ChatServer struct {
	srv    *tcp.Server
	codec  *LengthHeaderCodec
	logger *slog.Logger

	locked  bool       // loops > 0: callbacks run on several loops
	mu      sync.Mutex // guards conns when locked
	conns   map[*tcp.Conn]struct{}
	clients atomic.Int64 // len(conns), readable from any goroutine
}

// StartChatServer starts a chat server on addr with loops IO loops (0: the
// accepting loop does all IO). The caller stops it with Shutdown or Close.
func StartChatServer(addr string, loops int, logger *slog.Logger) (*ChatServer, error) {
	if logger == nil {
		logger = slog.Default()
	}
	srv := tcp.NewServer(tcp.WithName("chat"), tcp.WithLoops(loops), tcp.WithLogger(logger))
	s := &ChatServer{srv: srv, logger: logger, locked: loops > 0, conns: make(map[*tcp.Conn]struct{})}
	s.codec = NewLengthHeaderCodec(s.onStringMessage, logger)
	srv.SetConnectionCallback(s.onConnection)
	srv.SetMessageCallback(s.codec.OnMessage)
	if err := srv.Start(addr); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ChatServer) lock() {
	if s.locked {
		s.mu.Lock()
	}
}

func (s *ChatServer) unlock() {
	if s.locked {
		s.mu.Unlock()
	}
}

func (s *ChatServer) onConnection(c *tcp.Conn) {
	s.logger.Debug("chat: connection", "conn", c.Name(), "peer", c.PeerAddr().String(), "up", c.Connected())
	s.lock()
	if c.Connected() {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
	s.clients.Store(int64(len(s.conns)))
	s.unlock()
}

// onStringMessage broadcasts msg, holding the lock while it walks the set
// (as muduo's threaded chat server does). Each sender's messages reach each
// client in order: a sender's broadcasts all come from its own loop, and
// Conn.Send keeps the order of sends made from one goroutine. Messages of
// different senders on different loops may reach two clients in different
// relative orders: an off-loop Send is queued to the client's loop, while
// an on-loop Send writes at once, ahead of what is queued.
func (s *ChatServer) onStringMessage(_ *tcp.Conn, msg string, _ time.Time) {
	s.lock()
	defer s.unlock()
	for c := range s.conns {
		// ErrClosed: that client is going away; the others still get it.
		_ = s.codec.Send(c, msg)
	}
}

// Addr returns the address the server listens on.
func (s *ChatServer) Addr() netip.AddrPort { return s.srv.Addr() }

// NumClients returns the number of connected clients. Safe from any
// goroutine.
func (s *ChatServer) NumClients() int { return int(s.clients.Load()) }

// Shutdown stops accepting, half-closes every client once its output has
// drained, waits for the clients to close (force-closing the rest when ctx
// is done) and stops the loops.
func (s *ChatServer) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close closes every connection at once and stops the loops.
func (s *ChatServer) Close() error { return s.srv.Close() }

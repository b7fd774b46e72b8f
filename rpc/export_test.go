package rpc

import (
	"context"
	"fmt"
	"reflect"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// Views of a Client's state for the external tests, which wait for the
// state they need instead of sleeping.

// ClientConnected reports whether c has a connection.
func ClientConnected(c *Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}

// ClientGone reports whether c's connection dropped and will not be
// re-made (WithReconnect(false)).
func ClientGone(c *Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gone
}

// ClientPending returns how many calls c has in flight.
func ClientPending(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// TCPConnState is what a TCPServer's connection is doing with its input.
type TCPConnState struct {
	Paused  bool // saturated: input waits unprocessed for a reply
	Stopped bool // paused with enough buffered that reading stopped
	PeerEOF bool // the client half-closed
	Closing bool // draining: nothing more is dispatched
}

// TCPConnStates returns the state of each of ts's connections, read on
// their loops.
func TCPConnStates(ts *TCPServer) []TCPConnState {
	var out []TCPConnState
	ts.TCP().ForEachConn(func(tc *tcp.Conn) {
		if c, ok := tc.Data().(*rpcConn); ok {
			out = append(out, TCPConnState{Paused: c.paused, Stopped: c.stopped, PeerEOF: c.peerEOF, Closing: c.closing})
		}
	})
	return out
}

// The transports' entry points, exported to the external tests only: the
// public way in is a transport (TCP, HTTPHandler, WebSocketHandler) or
// Server.Dispatch / Session.Dispatch.

// CheckHTTPRequest is checkHTTPRequest.
func (s *Server) CheckHTTPRequest(method, contentType string, contentLength int64) int {
	return s.checkHTTPRequest(method, contentType, contentLength)
}

// DispatchHTTP is dispatchHTTP.
func (s *Server) DispatchHTTP(ctx context.Context, body []byte, done func(status int, r Reply)) {
	s.dispatchHTTP(ctx, body, done)
}

// AppendScanError is appendScanError.
func (s *Server) AppendScanError(dst []byte, err error) []byte { return s.appendScanError(dst, err) }

// HandleHTTPBody is the blocking form of dispatchHTTP for goroutine-per-
// request servers: it waits for the answer and returns the status and a
// copy of the body (nil for 204). It must not be called on an event loop.
func (s *Server) HandleHTTPBody(ctx context.Context, body []byte) (status int, resp []byte) {
	ch := make(chan struct{})
	s.dispatchHTTP(ctx, body, func(st int, r Reply) {
		status = st
		if !r.Empty() {
			resp = append([]byte(nil), r.Bytes()...)
		}
		r.Release()
		close(ch)
	})
	<-ch
	return status, resp
}

// DispatchWait dispatches msg and waits for the reply, returning a copy of
// its bytes (nil when no response is due). For tests and blocking
// transports; never call it on an event loop.
func (s *Server) DispatchWait(ctx context.Context, msg []byte) []byte {
	ch := make(chan []byte, 1)
	s.Dispatch(ctx, msg, func(r Reply) {
		var out []byte
		if !r.Empty() {
			out = append([]byte(nil), r.Bytes()...)
		}
		r.Release()
		ch <- out
	})
	return <-ch
}

// RegisterMethod (tests only) publishes one function of the Register method shape,
// without a receiver, under the full method name (which need not contain a
// dot), e.g. RegisterMethod("subtract", func(a SubArgs, r *int) error).
// The public API publishes single functions with Handle; the tests use
// this reflective form to reach every params binding shape directly.
func (s *Server) RegisterMethod(name string, fn any, opts ...RegisterOption) error {
	v := reflect.ValueOf(fn)
	if name == "" || v.Kind() != reflect.Func {
		return fmt.Errorf("rpc: RegisterMethod needs a name and a function")
	}
	m, ok := newMethod(v, reflect.Value{})
	if !ok {
		return fmt.Errorf("rpc: %s has type %s, want func([ctx,] args, *reply) error", name, v.Type())
	}
	if _, dup := s.methods[name]; dup {
		return fmt.Errorf("rpc: method %s already registered", name)
	}
	var cfg regConfig
	for _, o := range opts {
		o(&cfg)
	}
	m.name, m.inline = name, cfg.inlineAll
	s.methods[name] = m
	return nil
}

// RegisterFunc is HandleRaw, for the tests written against the method form.
func (s *Server) RegisterFunc(name string, fn HandlerFunc, opts ...RegisterOption) error {
	return HandleRaw(s, name, fn, opts...)
}

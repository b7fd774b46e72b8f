package rpc

import "github.com/seed08ffa9f8/muduo-go/net/tcp"

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
		if c, ok := tc.Context().(*rpcConn); ok {
			out = append(out, TCPConnState{Paused: c.paused, Stopped: c.stopped, PeerEOF: c.peerEOF, Closing: c.closing})
		}
	})
	return out
}

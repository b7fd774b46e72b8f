package rpc

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

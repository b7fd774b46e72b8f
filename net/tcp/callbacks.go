package tcp

import (
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// ConnectionCallback is called on the Conn's loop when the connection comes
// up and again when it goes down; Conn.Connected tells which.
type ConnectionCallback func(c *Conn)

// MessageCallback is called on the Conn's loop when bytes arrived. in holds
// every unconsumed byte; the callback Retrieves what it consumed and leaves
// a partial message in place for the next call. in is valid only during the
// callback. at is when the loop's poll returned with the data.
type MessageCallback func(c *Conn, in *buffer.Buffer, at time.Time)

// WriteCompleteCallback is called on the Conn's loop when the output queue
// has been handed to the kernel completely. The owner's callback (in
// Callbacks) is called for every connection after every write that
// drained; Conn.SetWriteCompleteCallback sets one for a single connection,
// for the time it needs one.
type WriteCompleteCallback func(c *Conn)

// HighWaterMarkCallback is called on the Conn's loop when the output queue
// grows past the high-water mark; queued is its size in bytes. A typical
// reaction is StopRead on the producing side until WriteComplete.
type HighWaterMarkCallback func(c *Conn, queued int)

// HalfCloseCallback is called on the Conn's loop when the peer has closed
// its side (read EOF) after every byte it sent was delivered. The
// connection stays open for writing: the callback's owner finishes the
// answers it still owes and then calls Shutdown (or ForceClose), which
// closes the connection once the output has drained. If the owner has not
// done so after HalfCloseGrace, the connection is closed by force.
type HalfCloseCallback func(c *Conn)

// HalfCloseGrace bounds how long a connection whose peer half-closed stays
// open for its owner's answers: a FIN looks the same from a peer that
// still reads and from one that left.
const HalfCloseGrace = 2 * time.Second

// Callbacks is the public surface of a Server or Client: what it calls for
// each of its connections. Nil callbacks are skipped; a nil Message callback
// discards the input.
type Callbacks struct {
	Connection    ConnectionCallback
	Message       MessageCallback
	WriteComplete WriteCompleteCallback
	HighWaterMark HighWaterMarkCallback
	// HalfClose, if set, keeps a connection whose peer half-closed open
	// until the owner calls Shutdown. Without it the connection closes as
	// soon as its queued output has drained, which loses answers that a
	// protocol was still working on (calls on a worker pool, say).
	HalfClose HalfCloseCallback
}

// DefaultHighWaterMark is the output queue size that triggers the
// HighWaterMark callback unless configured otherwise (muduo's 64 MiB).
const DefaultHighWaterMark = 64 << 20

// connConfig is shared, read-only, by every Conn of one Server or Client, so
// a connection carries one pointer instead of a copy of each callback.
type connConfig struct {
	cb        Callbacks
	highWater int
	name      string // owner's name; a Conn's name is name#id
	onClosed  func(c *Conn)
	tls       *tlsOwner // nil: plain TCP
}

package websocket

import (
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Handler holds a connection's callbacks. Every callback runs on the
// connection's event loop, one at a time, and must not block it: hand
// slow work to another goroutine and answer with Send from there. Nil
// callbacks are skipped.
type Handler struct {
	// OnOpen runs once, when the connection is open: for a server after
	// the 101 response is queued, for a client before Dial returns.
	OnOpen func(c *Conn)
	// OnMessage runs for each complete data message: text (validated
	// UTF-8) or binary, reassembled from its fragments and decompressed.
	// data is valid only during the call (it may point into the
	// connection's input buffer): copy what must outlive it.
	OnMessage func(c *Conn, typ MessageType, data []byte)
	// OnMessagePart, when set, receives the data messages larger than
	// Options.StreamThreshold in parts as they arrive, instead of
	// OnMessage receiving them whole: what arrived before the message
	// passed the threshold, then each frame's payload as it is read
	// (possibly in several pieces), last true on the final part (which
	// may be empty). A text message is validated as it arrives: a part
	// may end inside a UTF-8 sequence, and the connection fails with
	// 1007 before an invalid byte is delivered. The message's bytes are
	// never held whole, so Options.MaxMessageSize may be set as high as
	// the application can take. Compressed messages are delivered whole
	// to OnMessage (their size is known only once inflated). data is
	// valid only during the call.
	OnMessagePart func(c *Conn, typ MessageType, data []byte, last bool)
	// OnPing runs for each ping, after the pong is queued. data is valid
	// only during the call.
	OnPing func(c *Conn, data []byte)
	// OnPong runs for each pong. data is valid only during the call.
	OnPong func(c *Conn, data []byte)
	// OnClose runs once, when the TCP connection has closed: code and
	// reason are those of the peer's close frame (CloseNoStatus if it had
	// none), else of the close this side sent when it failed the
	// connection (CloseProtocolError, CloseMessageTooBig ...), else
	// CloseAbnormal (the connection dropped without a close frame).
	OnClose func(c *Conn, code int, reason string)
}

// Options configure a server connection (Upgrade) or a client one (Dial).
// The zero value is usable; an Options may be shared by many connections
// and must not change once in use.
type Options struct {
	Handler

	// Subprotocols are the application protocols this side speaks, in
	// order of preference. A server picks the first one the client also
	// offers; a client offers them all.
	Subprotocols []string

	// CheckOrigin decides whether a server accepts a handshake (403
	// otherwise). Nil accepts requests without an Origin field and those
	// whose Origin's host equals the Host field, as gorilla/websocket
	// does: browsers send Origin, and a page on another site must not
	// reach a server that trusts its users' cookies. Return true to
	// accept every origin. Ignored by Dial.
	CheckOrigin func(r *http.Request) bool

	// Compression offers (client) or accepts (server) permessage-deflate
	// (RFC 7692).
	Compression bool
	// ContextTakeover lets the compressors keep their history between
	// messages, which compresses a stream of similar messages much better
	// at the cost of memory held per connection for its lifetime: a
	// window of the last 8 KiB sent, and 32 KiB of the last received.
	// Without it this side asks for no_context_takeover in both
	// directions and a connection holds no compression state between
	// messages.
	ContextTakeover bool
	// CompressionThreshold is the smallest message that is compressed;
	// 0 means 64 bytes. Smaller ones, and those that do not shrink, are
	// sent uncompressed.
	CompressionThreshold int

	// MaxMessageSize bounds a received message (and each of its frames),
	// after decompression; 0 means 16 MiB. A larger one fails the
	// connection with CloseMessageTooBig (1009).
	MaxMessageSize int

	// StreamThreshold is the size past which a data message goes to
	// Handler.OnMessagePart in parts rather than to OnMessage whole, when
	// OnMessagePart is set; 0 means 64 KiB.
	StreamThreshold int

	// PingInterval, when positive, sends a ping after this long without
	// anything received.
	PingInterval time.Duration
	// IdleTimeout, when positive, closes the connection (CloseGoingAway)
	// after this long without anything received. With PingInterval
	// shorter, a peer that answers pings is never idle.
	IdleTimeout time.Duration
	// CloseTimeout bounds the close handshake: how long this side waits
	// for the peer's close frame, and then for the TCP close, before it
	// closes by force; 0 means 5 s.
	CloseTimeout time.Duration

	// WriteHighWater is the amount of queued output past which the
	// connection stops reading until the output has drained, so a peer
	// that sends without reading the answers is slowed by TCP flow
	// control instead of growing the queue; 0 means 1 MiB.
	WriteHighWater int
}

func (o *Options) maxMessage() int {
	if o.MaxMessageSize > 0 {
		return o.MaxMessageSize
	}
	return 16 << 20
}

func (o *Options) streamThreshold() int {
	if o.StreamThreshold > 0 {
		return o.StreamThreshold
	}
	return 64 << 10
}

func (o *Options) closeTimeout() time.Duration {
	if o.CloseTimeout > 0 {
		return o.CloseTimeout
	}
	return 5 * time.Second
}

func (o *Options) highWater() int {
	if o.WriteHighWater > 0 {
		return o.WriteHighWater
	}
	return 1 << 20
}

func (o *Options) threshold() int {
	if o.CompressionThreshold > 0 {
		return o.CompressionThreshold
	}
	return 64
}

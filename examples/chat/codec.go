package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// HeaderLen is the size of a frame's header: the body's length as a
// big-endian int32.
const HeaderLen = 4

// MaxMessageLen is the largest body a frame may carry (64 KiB). A peer that
// announces more, or a negative length, is closed.
const MaxMessageLen = 64 << 10

// StringMessageCallback is called, on the connection's loop, with each
// complete message. at is when the loop read the message's last bytes.
type StringMessageCallback func(c *tcp.Conn, msg string, at time.Time)

// LengthHeaderCodec is muduo's LengthHeaderCodec: it frames each message as
// a 4-byte big-endian length followed by that many bytes, and turns the
// byte stream of a connection back into whole messages, however TCP split
// or merged them. It holds no per-connection state (a partial frame stays
// in the connection's input buffer), so one codec serves every connection.
type LengthHeaderCodec struct {
	onMessage StringMessageCallback
	logger    *slog.Logger
}

// NewLengthHeaderCodec returns a codec that calls onMessage with every
// message and logs rejected frames to logger (nil: slog.Default).
func NewLengthHeaderCodec(onMessage StringMessageCallback, logger *slog.Logger) *LengthHeaderCodec {
	if logger == nil {
		logger = slog.Default()
	}
	return &LengthHeaderCodec{onMessage: onMessage, logger: logger}
}

// OnMessage is the tcp.MessageCallback to install on the Server or Client.
// It decodes every complete frame in in, in order, and leaves a partial one
// for the next call. A length below 0 or above MaxMessageLen means the peer
// does not speak the protocol: the frame is logged, the input dropped and
// the connection force-closed (no further message of it is delivered).
func (cd *LengthHeaderCodec) OnMessage(c *tcp.Conn, in *buffer.Buffer, at time.Time) {
	for in.ReadableBytes() >= HeaderLen {
		n := in.PeekInt32()
		if n < 0 || n > MaxMessageLen {
			cd.logger.Warn("chat: invalid message length; closing", "conn", c.Name(), "peer", c.PeerAddr().String(), "len", n)
			in.RetrieveAll()
			c.ForceClose()
			return
		}
		if in.ReadableBytes() < HeaderLen+int(n) {
			return // wait for the rest of the body
		}
		in.Retrieve(HeaderLen)
		msg := in.RetrieveAsString(int(n))
		cd.onMessage(c, msg, at)
	}
}

// Send frames msg and sends header and body with one Conn.Send. Safe from
// any goroutine, as Conn.Send. It returns an error, and sends nothing, if
// msg is longer than MaxMessageLen or the connection is not connected.
func (cd *LengthHeaderCodec) Send(c *tcp.Conn, msg string) error {
	if len(msg) > MaxMessageLen {
		return fmt.Errorf("chat: message of %d bytes exceeds %d", len(msg), MaxMessageLen)
	}
	var b buffer.Buffer
	b.AppendString(msg)
	// The header goes into the buffer's cheap prepend area: no copy.
	b.PrependInt32(int32(len(msg)))
	return c.SendBuffer(&b)
}

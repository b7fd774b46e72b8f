package websocket

import (
	"crypto/sha1"
	"encoding/base64"

	"net/url"
	"strings"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
	"github.com/valyala/bytebufferpool"
)

// HandshakeError is the error Upgrade returns for a request it refused;
// the response (Status) has been written.
type HandshakeError struct {
	Status int
	Reason string
}

func (e *HandshakeError) Error() string { return "websocket: " + e.Reason }

// acceptGUID is the GUID of RFC 6455 1.3.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func acceptKey(key string) string { return string(appendAcceptKey(nil, key)) }

// appendAcceptKey appends Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func appendAcceptKey(dst []byte, key string) []byte {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(acceptGUID))
	var sum [sha1.Size]byte
	return base64.StdEncoding.AppendEncode(dst, h.Sum(sum[:0]))
}

// Upgrade accepts a WebSocket opening handshake (RFC 6455 4.2) from a
// handler running on the loop, and hands the connection over to a Conn
// driven by opts' callbacks on the same loop: no goroutine is started.
// opts may be nil (no callbacks: messages are dropped) and must not change
// while connections use it.
//
// It checks the request and, when it refuses, answers it itself and
// returns a *HandshakeError: 405 for a method other than GET, 400 for a
// missing "Connection: upgrade" or "Upgrade: websocket" or a bad
// Sec-WebSocket-Key, 426 with "Sec-WebSocket-Version: 13" for another
// version, 403 when the Origin is refused (see Options.CheckOrigin). It
// negotiates the subprotocol and permessage-deflate.
//
// On success the 101 response is sent when the handler returns, after any
// earlier pipelined responses, and OnOpen runs then. Messages sent on the
// returned Conn before that are queued and follow the 101. The handler
// must not write to w after a successful Upgrade.
func Upgrade(w *http.ResponseWriter, r *http.Request, opts *Options) (*Conn, error) {
	if opts == nil {
		opts = &Options{}
	}
	if r.Method() != "GET" {
		w.Header().Set("Allow", "GET")
		return nil, refuse(w, 405, "handshake method is not GET")
	}
	if major, minor := r.Proto(); major != 1 || minor < 1 {
		return nil, refuse(w, 400, "handshake is not HTTP/1.1")
	}
	if !headerHasToken(r, "Connection", "upgrade") {
		return nil, refuse(w, 400, "'upgrade' token not found in the Connection header")
	}
	if !headerHasToken(r, "Upgrade", "websocket") {
		return nil, refuse(w, 400, "'websocket' token not found in the Upgrade header")
	}
	if v := r.Header("Sec-WebSocket-Version"); string(v) != "13" || r.HeaderIndex("Sec-WebSocket-Version", r.HeaderIndex("Sec-WebSocket-Version", 0)+1) >= 0 {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return nil, refuse(w, 426, "unsupported Sec-WebSocket-Version")
	}
	key := string(r.Header("Sec-WebSocket-Key"))
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 ||
		r.HeaderIndex("Sec-WebSocket-Key", r.HeaderIndex("Sec-WebSocket-Key", 0)+1) >= 0 {
		return nil, refuse(w, 400, "invalid Sec-WebSocket-Key")
	}
	checkOrigin := opts.CheckOrigin
	if checkOrigin == nil {
		checkOrigin = SameOrigin
	}
	if !checkOrigin(r) {
		return nil, refuse(w, 403, "origin not allowed")
	}

	c := &Conn{opts: opts, handshaking: true}
	c.subprotocol = pickSubprotocol(r, opts.Subprotocols)
	var extension string
	if opts.Compression {
		for i := r.HeaderIndex("Sec-WebSocket-Extensions", 0); i >= 0 && extension == ""; i = r.HeaderIndex("Sec-WebSocket-Extensions", i+1) {
			_, v := r.HeaderAt(i)
			parseExtensions(string(v), func(o deflateOffer, ok bool) bool {
				if !ok {
					return true // decline this offer, look at the next
				}
				p, resp := acceptOffer(o, opts.ContextTakeover)
				c.deflate = &deflateState{deflateParams: p}
				extension = resp
				return false
			})
		}
	}

	// The 101 head waits in the send queue, where frames sent before
	// the handover follow it: nothing else holds it until it is sent.
	c.pending = bytebufferpool.Get()
	head := c.pending.B[:0]
	head = append(head, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	head = appendAcceptKey(head, key)
	if c.subprotocol != "" {
		head = append(head, "\r\nSec-WebSocket-Protocol: "...)
		head = append(head, c.subprotocol...)
	}
	if extension != "" {
		head = append(head, "\r\nSec-WebSocket-Extensions: "...)
		head = append(head, extension...)
	}
	c.pending.B = append(head, "\r\n\r\n"...)

	if err := w.HijackWith((*serverConn)(c)); err != nil {
		bytebufferpool.Put(c.pending)
		c.pending = nil
		return nil, err
	}
	return c, nil
}

// serverConn is a server Conn as the new owner of its hijacked HTTP
// connection: the connection's context is the Conn itself, with no
// closures and nothing of the HTTP server's per-connection state.
type serverConn Conn

// Start sends the 101 and any frames queued behind it, and reads what
// the client sent after the handshake.
func (s *serverConn) Start(tc *tcp.Conn, in *buffer.Buffer) {
	c := (*Conn)(s)
	c.tc = tc
	c.open()
	if in.ReadableBytes() > 0 {
		c.onData(in)
	}
}

func (s *serverConn) Message(_ *tcp.Conn, in *buffer.Buffer, _ time.Time) { (*Conn)(s).onData(in) }
func (s *serverConn) HalfClose(*tcp.Conn)                                 { (*Conn)(s).peerEOF() }
func (s *serverConn) Shutdown(*tcp.Conn)                                  { (*Conn)(s).goingAway() }
func (s *serverConn) Close(*tcp.Conn)                                     { (*Conn)(s).closed() }

// peerEOF: the peer closed its side. After a close handshake that is the
// expected end; without one the connection is over all the same.
func (c *Conn) peerEOF() {
	c.discard = true
	c.flushPending()
	c.tc.Shutdown()
}

// goingAway winds the connection down for a server shutdown: a close
// frame with CloseGoingAway, then the usual handshake.
func (c *Conn) goingAway() {
	if c.discard {
		return
	}
	if err := c.Close(CloseGoingAway, "server shutting down"); err != nil {
		c.tc.Shutdown()
	}
}

func refuse(w *http.ResponseWriter, status int, reason string) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.WriteString("websocket: " + reason + "\n")
	return &HandshakeError{Status: status, Reason: reason}
}

// headerHasToken reports whether a comma-separated field of r lists token
// (ASCII case-insensitive), in any of its lines.
func headerHasToken(r *http.Request, name, token string) bool {
	for i := r.HeaderIndex(name, 0); i >= 0; i = r.HeaderIndex(name, i+1) {
		_, v := r.HeaderAt(i)
		for t := range strings.SplitSeq(string(v), ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// pickSubprotocol returns the first of the server's subprotocols that the
// client offers.
func pickSubprotocol(r *http.Request, server []string) string {
	for _, p := range server {
		for i := r.HeaderIndex("Sec-WebSocket-Protocol", 0); i >= 0; i = r.HeaderIndex("Sec-WebSocket-Protocol", i+1) {
			_, v := r.HeaderAt(i)
			for t := range strings.SplitSeq(string(v), ",") {
				if strings.TrimSpace(t) == p {
					return p
				}
			}
		}
	}
	return ""
}

// SameOrigin is the default origin policy: it accepts a request without
// an Origin field (not a browser) and one whose Origin's host (and port)
// equals the Host field, ASCII case-insensitively.
func SameOrigin(r *http.Request) bool {
	origin := r.Header("Origin")
	if origin == nil {
		return true
	}
	u, err := url.Parse(string(origin))
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, string(r.Host()))
}

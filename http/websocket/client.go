package websocket

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seed08ffa9f8/muduo-go/buffer"
	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/net/reactor"
	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// DialOptions configure Dial: the connection's Options and what only a
// client has.
type DialOptions struct {
	Options
	// Header holds extra fields of the handshake request (Authorization,
	// Cookie ...). The fields of the handshake itself are Dial's.
	Header http.Header
	// Origin, if set, is sent as the Origin field, as a browser would.
	Origin string
	// TLSConfig is the TLS configuration of a wss:// URL (nil: the
	// defaults, verifying the server against the system's roots); an
	// empty ServerName is the URL's host.
	TLSConfig *tls.Config
	// Loop runs the connection on an existing event loop (shared by many
	// clients); nil gives the connection a loop of its own, stopped when
	// it closes.
	Loop *reactor.EventLoop
}

// maxResponseHead bounds the server's handshake response.
const maxResponseHead = 16 << 10

// Dial opens a WebSocket connection to a ws:// or wss:// URL (RFC 6455
// 4.1; wss over TLS with opts.TLSConfig) on a tcp.Client and returns it open, once OnOpen has run; its callbacks run
// on its loop as a server connection's do. The handshake offers
// opts.Subprotocols and, with opts.Compression, permessage-deflate, and
// verifies the server's answer (status 101, Upgrade, Connection,
// Sec-WebSocket-Accept, a subprotocol that was offered, valid extension
// parameters). While the server refuses the TCP connection Dial retries
// with backoff; ctx bounds the whole attempt. opts may be nil. Call it
// from any goroutine but the loop given in opts.Loop.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("websocket: dial: %w", err)
	}
	secure := u.Scheme == "wss" || u.Scheme == "https"
	if !secure && u.Scheme != "ws" && u.Scheme != "http" {
		return nil, fmt.Errorf("websocket: dial: scheme %q not supported (ws or wss)", u.Scheme)
	}
	hostport := u.Host
	if u.Port() == "" {
		port := "80"
		if secure {
			port = "443"
		}
		hostport = net.JoinHostPort(u.Hostname(), port)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := handshakeRequest(u, key, opts)

	var topts []tcp.Option
	if opts.Loop != nil {
		topts = append(topts, tcp.WithBaseLoop(opts.Loop))
	}
	if secure {
		cfg := opts.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = u.Hostname()
		}
		topts = append(topts, tcp.WithTLS(cfg))
	}
	cl, err := tcp.NewClient(hostport, append(topts, tcp.WithName("websocket"))...)
	if err != nil {
		return nil, fmt.Errorf("websocket: dial: %w", err)
	}
	c := &Conn{opts: &opts.Options, client: true, handshaking: true}
	result := make(chan error, 1)
	upgraded := false
	cl.SetCallbacks(tcp.Callbacks{
		Connection: func(tc *tcp.Conn) {
			if tc.Connected() {
				c.tc = tc
				_ = tc.Send(req)
				return
			}
			if !upgraded {
				result <- errors.New("websocket: dial: connection closed during the handshake")
				return
			}
			c.closed()
		},
		Message: func(tc *tcp.Conn, in *buffer.Buffer, _ time.Time) {
			if upgraded {
				c.onData(in)
				return
			}
			n, err := c.checkResponse(in.Peek(), key, opts)
			if err != nil {
				result <- err
				tc.ForceClose()
				return
			}
			if n == 0 {
				return // the head is incomplete
			}
			in.Retrieve(n)
			upgraded = true
			c.endClient = func() { go cl.Stop() }
			c.open()
			result <- nil
			if in.ReadableBytes() > 0 {
				c.onData(in)
			}
		},
		HalfClose: func(*tcp.Conn) { c.peerEOF() },
	})
	cl.SetConnectErrorCallback(func(err error) {
		// A failed TLS handshake is Dial's answer (a refused connect,
		// an errno, is not: the server may be starting).
		var errno syscall.Errno
		if secure && !errors.As(err, &errno) {
			select {
			case result <- fmt.Errorf("websocket: dial: %w", err):
			default:
			}
		}
	})
	cl.Connect()
	select {
	case err := <-result:
		if err != nil {
			cl.Stop()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		cl.Stop()
		return nil, fmt.Errorf("websocket: dial: %w", ctx.Err())
	}
}

func handshakeRequest(u *url.URL, key string, opts *DialOptions) []byte {
	var b []byte
	b = append(b, "GET "...)
	b = append(b, u.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, u.Host...)
	b = append(b, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "...)
	b = append(b, key...)
	if len(opts.Subprotocols) > 0 {
		b = append(b, "\r\nSec-WebSocket-Protocol: "...)
		b = append(b, strings.Join(opts.Subprotocols, ", ")...)
	}
	if opts.Compression {
		b = append(b, "\r\nSec-WebSocket-Extensions: "...)
		b = append(b, offerHeader(opts.ContextTakeover)...)
	}
	if opts.Origin != "" {
		b = append(b, "\r\nOrigin: "...)
		b = append(b, opts.Origin...)
	}
	opts.Header.Each(func(name, value string) {
		b = append(b, "\r\n"...)
		b = append(b, name...)
		b = append(b, ": "...)
		b = append(b, value...)
	})
	return append(b, "\r\n\r\n"...)
}

// checkResponse verifies the server's handshake response at the start of
// b and returns its length, 0 while it is incomplete.
func (c *Conn) checkResponse(b []byte, key string, opts *DialOptions) (int, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > maxResponseHead {
			return 0, errors.New("websocket: dial: response head too large")
		}
		return 0, nil
	}
	lines := strings.Split(string(b[:end]), "\r\n")
	status := strings.SplitN(lines[0], " ", 3)
	if len(status) < 2 || !strings.HasPrefix(status[0], "HTTP/1.") {
		return 0, fmt.Errorf("websocket: dial: malformed status line %q", lines[0])
	}
	if status[1] != "101" {
		code, _ := strconv.Atoi(status[1])
		return 0, &HandshakeError{Status: code, Reason: "server answered " + lines[0]}
	}
	fields := map[string]string{}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return 0, fmt.Errorf("websocket: dial: malformed field %q", l)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if old, ok := fields[name]; ok {
			value = old + ", " + value
		}
		fields[name] = value
	}
	switch {
	case !hasToken(fields["upgrade"], "websocket"):
		return 0, errors.New("websocket: dial: response without Upgrade: websocket")
	case !hasToken(fields["connection"], "upgrade"):
		return 0, errors.New("websocket: dial: response without Connection: upgrade")
	case fields["sec-websocket-accept"] != acceptKey(key):
		return 0, errors.New("websocket: dial: wrong Sec-WebSocket-Accept")
	}
	if p, ok := fields["sec-websocket-protocol"]; ok {
		offered := false
		for _, s := range opts.Subprotocols {
			offered = offered || s == p
		}
		if !offered {
			return 0, fmt.Errorf("websocket: dial: server chose subprotocol %q, not offered", p)
		}
		c.subprotocol = p
	}
	if ext, ok := fields["sec-websocket-extensions"]; ok {
		if !opts.Compression {
			return 0, errors.New("websocket: dial: server answered an extension that was not offered")
		}
		p, err := acceptResponse(ext, opts.ContextTakeover)
		if err != nil {
			return 0, err
		}
		c.deflate = &deflateState{deflateParams: p}
	}
	return end + 4, nil
}

func hasToken(v, token string) bool {
	for t := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

package tcp

import (
	"crypto/tls"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// Defaults of the TLS options.
const (
	// DefaultTLSHandshakeTimeout bounds a handshake, counted from the
	// moment the connection was accepted (or connected): a client that
	// stalls before or during its handshake is closed then.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultTLSMaxHandshakes bounds the handshakes a Server runs at once;
	// connections past it wait, in arrival order, for a free slot (their
	// timeout keeps running).
	DefaultTLSMaxHandshakes = 1024
)

// TLSHandshakeErrorCallback is called on the connection's loop when a
// TLS handshake fails, with the peer's address and crypto/tls's error (a
// tls.RecordHeaderError when the peer did not speak TLS at all). What it
// returns is sent unencrypted before the connection closes: an HTTP
// server answers a plain HTTP request this way, as net/http does. The
// connection was never announced to the Connection callback.
type TLSHandshakeErrorCallback func(peer netip.AddrPort, err error) (reply []byte)

type tlsOptions struct {
	config    *tls.Config
	timeout   time.Duration
	max       int
	onFailure TLSHandshakeErrorCallback
}

// WithTLS makes every connection of a Server or a Client speak TLS with
// crypto/tls and config (which must not be modified after). A Server's
// config needs a certificate (Certificates, GetCertificate or
// GetConfigForClient); a Client whose config has no ServerName uses the
// host of its address, as tls.Dial does. The Connection callback is called
// once the handshake is done; Send, the message callback and everything
// else then carry plaintext. A Client's failed handshake is reported as a
// failed connect (its ConnectErrorCallback; with retry, a new attempt
// after a backoff). See the package documentation, "TLS".
func WithTLS(config *tls.Config) Option { return func(o *options) { o.tls.config = config } }

// WithTLSHandshakeTimeout sets how long a TLS handshake may take, from
// accept or connect (default DefaultTLSHandshakeTimeout). Time spent
// waiting for a slot (WithTLSMaxHandshakes) is not counted, but the wait
// is bounded too: a handshake still without a slot after one more timeout
// is closed (a timeout in TLSStats).
func WithTLSHandshakeTimeout(d time.Duration) Option {
	return func(o *options) { o.tls.timeout = d }
}

// WithTLSMaxHandshakes bounds how many TLS handshakes run at once (default
// DefaultTLSMaxHandshakes); each running handshake holds one goroutine.
func WithTLSMaxHandshakes(n int) Option { return func(o *options) { o.tls.max = n } }

// WithTLSHandshakeErrorCallback sets the callback told of every failed TLS
// handshake (see TLSHandshakeErrorCallback). Without one, failures are
// only counted (TLSStats) and logged at debug level.
func WithTLSHandshakeErrorCallback(f TLSHandshakeErrorCallback) Option {
	return func(o *options) { o.tls.onFailure = f }
}

// tlsOwner is what a Server's or a Client's TLS connections share.
type tlsOwner struct {
	config    *tls.Config
	client    bool
	timeout   time.Duration
	onFailure TLSHandshakeErrorCallback
	queue     handshakeQueue
	stats     tlsCounters
	scratch   tlsScratch // a Client's (it has one loop and no connSet)
	// clientFailed reports a Client's failed handshake as a failed
	// connect (its ConnectErrorCallback, and a retry with backoff).
	clientFailed func(error)
}

// newTLSOwner returns nil without a config. addr is a Client's address,
// whose host names the server when the config does not.
func newTLSOwner(o *tlsOptions, addr string, client bool) *tlsOwner {
	if o.config == nil {
		return nil
	}
	t := &tlsOwner{config: o.config, client: client, timeout: o.timeout, onFailure: o.onFailure}
	if t.timeout <= 0 {
		t.timeout = DefaultTLSHandshakeTimeout
	}
	t.queue.max = o.max
	if t.queue.max <= 0 {
		t.queue.max = DefaultTLSMaxHandshakes
	}
	if client && t.config.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			t.config = t.config.Clone()
			t.config.ServerName = host
		}
	}
	return t
}

// TLSStats counts a Server's or a Client's TLS handshakes.
type TLSStats struct {
	Handshakes uint64      `json:"handshakes"`             // completed
	Resumed    uint64      `json:"resumed"`                // of which resumed a session
	InProgress int64       `json:"handshakes_in_progress"` // gauge, including those waiting for a slot
	Failures   TLSFailures `json:"failures"`
}

// TLSFailures counts failed handshakes by reason.
type TLSFailures struct {
	Timeout    uint64 `json:"timeout"`     // not done within the handshake timeout
	PeerClosed uint64 `json:"peer_closed"` // the peer closed or reset the connection
	NotTLS     uint64 `json:"not_tls"`     // the first bytes were not a TLS record (plain HTTP, say)
	Alert      uint64 `json:"alert"`       // the peer sent a fatal alert (it refused our certificate, say)
	Protocol   uint64 `json:"protocol"`    // everything crypto/tls refused: no shared version, cipher or ALPN protocol, bad client certificate, bad records
	Closed     uint64 `json:"closed"`      // closed on our side (shutdown, ForceClose, too much input)
}

// Total returns the number of failed handshakes.
func (f TLSFailures) Total() uint64 {
	return f.Timeout + f.PeerClosed + f.NotTLS + f.Alert + f.Protocol + f.Closed
}

type tlsCounters struct {
	handshakes, resumed atomic.Uint64
	inProgress          atomic.Int64
	failed              [failReasons]atomic.Uint64
}

type failReason uint8

const (
	failNone failReason = iota
	failTimeout
	failPeerClosed
	failNotTLS
	failAlert
	failProtocol
	failClosed
	failReasons
)

func (t *tlsCounters) snapshot() TLSStats {
	f := &t.failed
	return TLSStats{
		Handshakes: t.handshakes.Load(),
		Resumed:    t.resumed.Load(),
		InProgress: t.inProgress.Load(),
		Failures: TLSFailures{
			Timeout: f[failTimeout].Load(), PeerClosed: f[failPeerClosed].Load(), NotTLS: f[failNotTLS].Load(),
			Alert: f[failAlert].Load(), Protocol: f[failProtocol].Load(), Closed: f[failClosed].Load(),
		},
	}
}

// TLSStats returns the server's TLS handshake counters (zero without
// WithTLS). Safe from any goroutine.
func (s *Server) TLSStats() TLSStats {
	if s.cfg.tls == nil {
		return TLSStats{}
	}
	return s.cfg.tls.stats.snapshot()
}

// TLSStats returns the client's TLS handshake counters (zero without
// WithTLS). Safe from any goroutine.
func (c *Client) TLSStats() TLSStats {
	if c.cfg.tls == nil {
		return TLSStats{}
	}
	return c.cfg.tls.stats.snapshot()
}

// TLS returns the server's TLS configuration, nil for plain TCP.
func (s *Server) TLS() *tls.Config {
	if s.cfg.tls == nil {
		return nil
	}
	return s.cfg.tls.config
}

package rpc

import (
	"crypto/tls"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// WithTLS makes a TCPServer speak JSON-RPC over TLS, with crypto/tls on
// the event loops (tcp.WithTLS; see package tcp, "TLS"): the framing and
// everything else are as over plain TCP. config needs a certificate and
// is not modified after.
func WithTLS(config *tls.Config) TCPOption {
	return WithTCPOptions(tcp.WithTLS(config))
}

// WithClientTLS makes Dial connect over TLS with config, as tls.Dial does
// (an empty ServerName is taken from addr's host). A failed handshake is
// Dial's error, as a refused connect is; after a reconnect, it is retried
// with backoff.
func WithClientTLS(config *tls.Config) ClientOption {
	return WithClientTCPOptions(tcp.WithTLS(config))
}

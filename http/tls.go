package http

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/seed08ffa9f8/muduo-go/net/tcp"
)

// HTTPS: the server speaks TLS through tcp.WithTLS, which runs crypto/tls
// on the event loops (see package tcp, "TLS"). Everything a plain server
// does works the same over TLS; only the bytes on the wire differ.

// WithTLSConfig serves HTTPS with config (not modified after; the server
// works on a copy). Its NextProtos is taken as the ALPN protocols to offer,
// less any this server does not speak (it speaks HTTP/1.1 only: "h2" is
// dropped); empty, it is "http/1.1". A client that offers ALPN protocols
// none of which is ours is refused with crypto/tls's no_application_protocol
// alert. Start then serves HTTPS; ListenAndServeTLS is the short way with
// certificate files.
func WithTLSConfig(config *tls.Config) Option {
	return func(o *options) { o.tlsConfig = config }
}

// tlsOptions returns the tcp options that make the server speak TLS.
func tlsOptions(o *options, config *tls.Config) []tcp.Option {
	cfg := config.Clone()
	cfg.NextProtos = slices.DeleteFunc(slices.Clone(cfg.NextProtos), func(p string) bool {
		return p != "http/1.1" && p != "http/1.0"
	})
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"http/1.1"}
	}
	return []tcp.Option{
		tcp.WithTLS(cfg),
		tcp.WithTLSHandshakeErrorCallback(func(peer netip.AddrPort, err error) []byte {
			return handshakeFailed(o, peer, err)
		}),
	}
}

// plainToHTTPS is net/http's answer to a plain HTTP request on its TLS
// port, byte for byte.
const plainToHTTPS = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"

// handshakeFailed logs a failed handshake and answers a plain HTTP
// request as net/http does (only then: the first record header must be
// what crypto/tls reports as not TLS, and read as an HTTP method).
func handshakeFailed(o *options, peer netip.AddrPort, err error) []byte {
	o.logger.Debug("http: TLS handshake error", "peer", peer, "err", err)
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) && rh.Conn != nil && recordHeaderLooksLikeHTTP(rh.RecordHeader) {
		return []byte(plainToHTTPS)
	}
	return nil
}

// recordHeaderLooksLikeHTTP is net/http's test of the first five bytes.
func recordHeaderLooksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// ListenAndServeTLS is ListenAndServe over TLS: it serves HTTPS on addr
// with the certificate chain and key in the PEM files certFile and keyFile
// (as tls.LoadX509KeyPair reads them), on top of the WithTLSConfig config
// if one was given. As with net/http, the files may be "" when that
// config has Certificates, GetCertificate or GetConfigForClient. It
// returns ErrServerClosed after Shutdown, or the error that stopped it
// from starting.
func (s *Server) ListenAndServeTLS(addr, certFile, keyFile string) error {
	if err := s.StartTLS(addr, certFile, keyFile); err != nil {
		return err
	}
	<-s.done
	return ErrServerClosed
}

// StartTLS is Start over TLS, with the files of ListenAndServeTLS. Safe
// from any goroutine; a server starts once.
func (s *Server) StartTLS(addr, certFile, keyFile string) error {
	if err := s.useCertificateFiles("StartTLS", certFile, keyFile); err != nil {
		return err
	}
	return s.Start(addr)
}

// ServeTLS is Serve over TLS, with the files of ListenAndServeTLS, as
// net/http's Server.ServeTLS: l is a plain TCP listener and the server
// does the TLS. Serve always closes l.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	if err := s.useCertificateFiles("ServeTLS", certFile, keyFile); err != nil {
		l.Close()
		return err
	}
	return s.Serve(l)
}

// useCertificateFiles adds the key pair in certFile and keyFile to a copy
// of the WithTLSConfig config, or checks that config has a certificate
// when both are "".
func (s *Server) useCertificateFiles(caller, certFile, keyFile string) error {
	cfg := &tls.Config{}
	if s.opts.tlsConfig != nil {
		cfg = s.opts.tlsConfig.Clone()
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("http: TLS certificate: %w", err)
		}
		cfg.Certificates = append(slices.Clone(cfg.Certificates), cert)
	} else if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return fmt.Errorf("http: %s: no certificate: give certFile and keyFile, or a WithTLSConfig config with one", caller)
	}
	s.opts.tlsConfig = cfg
	return nil
}

// TLS returns the connection's TLS state (version, cipher suite, the ALPN
// protocol, the SNI server name, the client's certificates under mutual
// TLS, whether the session was resumed) for a request that came over TLS,
// and nil for plain HTTP, as net/http's Request.TLS. Each call returns a
// new copy. Call it from the goroutine running the handler.
func (r *Request) TLS() *tls.ConnectionState {
	if r.hc == nil {
		return nil
	}
	st, ok := r.hc.tc.TLSConnectionState()
	if !ok {
		return nil
	}
	return &st
}

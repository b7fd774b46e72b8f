package tlscert

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sync/atomic"
)

// Reloader serves a certificate that can be replaced while the server
// runs: its GetCertificate goes in a tls.Config, and Reload re-reads the
// files (the examples call it on SIGHUP). Handshakes in progress keep the
// certificate they started with; the next ones get the new one.
type Reloader struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// NewReloader loads the PEM pair (as tls.LoadX509KeyPair) and returns a
// Reloader serving it.
func NewReloader(certFile, keyFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Fixed returns a Reloader serving cert for good (Reload fails): for a
// self-signed certificate made in memory.
func Fixed(cert tls.Certificate) *Reloader {
	r := &Reloader{}
	r.cur.Store(&cert)
	return r
}

// Reload re-reads the files. On an error the certificate served so far
// stays. Safe from any goroutine.
func (r *Reloader) Reload() error {
	if r.certFile == "" {
		return errors.New("tlscert: reload: an in-memory certificate has no files")
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("tlscert: load %s, %s: %w", r.certFile, r.keyFile, err)
	}
	r.cur.Store(&cert)
	return nil
}

// Certificate returns the certificate served now.
func (r *Reloader) Certificate() tls.Certificate { return *r.cur.Load() }

// GetCertificate is tls.Config.GetCertificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cur.Load(), nil
}

// Config returns a server tls.Config serving r's certificate.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{GetCertificate: r.GetCertificate, MinVersion: tls.VersionTLS12}
}

// FromFlags returns the Reloader of the examples' flags: -tls-cert and
// -tls-key (both needed), or -tls-self-signed, an ephemeral certificate
// for localhost, 127.0.0.1 and ::1. Neither: nil, nil (plain TCP).
func FromFlags(certFile, keyFile string, selfSigned bool) (*Reloader, error) {
	switch {
	case selfSigned && (certFile != "" || keyFile != ""):
		return nil, errors.New("-tls-self-signed and -tls-cert/-tls-key exclude each other")
	case selfSigned:
		cert, err := SelfSigned("localhost", "127.0.0.1", "::1")
		if err != nil {
			return nil, err
		}
		return Fixed(cert), nil
	case certFile != "" && keyFile != "":
		return NewReloader(certFile, keyFile)
	case certFile != "" || keyFile != "":
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	return nil, nil
}

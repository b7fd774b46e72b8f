package main

import (
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

// tlsFlags are -tls-cert, -tls-key and -tls-self-signed.
type tlsFlags struct {
	cert, key  *string
	selfSigned *bool
}

func addTLSFlags() tlsFlags {
	return tlsFlags{
		cert:       flag.String("tls-cert", "", "serve TLS (TCP and HTTP transports) with this PEM certificate chain (with -tls-key; SIGHUP re-reads both)"),
		key:        flag.String("tls-key", "", "the PEM private key of -tls-cert"),
		selfSigned: flag.Bool("tls-self-signed", false, "serve TLS with an ephemeral self-signed ECDSA P-256 certificate for localhost and 127.0.0.1 (its SHA-256 fingerprint is logged)"),
	}
}

// load returns the certificate the flags ask for (nil: plain HTTP), logs
// a self-signed one's fingerprint, and reloads a file pair on SIGHUP.
func (f tlsFlags) load(name string) (*tlscert.Reloader, error) {
	rl, err := tlscert.FromFlags(*f.cert, *f.key, *f.selfSigned)
	if rl == nil || err != nil {
		return nil, err
	}
	if *f.selfSigned {
		slog.Info(name+": self-signed certificate", "hosts", "localhost,127.0.0.1,::1", "sha256", tlscert.Fingerprint(rl.Certificate()))
		return rl, nil
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			if err := rl.Reload(); err != nil {
				slog.Warn(name+": certificate reload failed; serving the old one", "err", err)
				continue
			}
			slog.Info(name+": certificate reloaded", "cert", *f.cert, "sha256", tlscert.Fingerprint(rl.Certificate()))
		}
	}()
	return rl, nil
}

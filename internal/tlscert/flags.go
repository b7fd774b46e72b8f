package tlscert

import (
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Flags are the examples' -tls-cert, -tls-key and -tls-self-signed.
type Flags struct {
	cert, key  *string
	selfSigned *bool
}

// AddFlags registers the flags on fs; what names what they turn on
// ("HTTPS", say) in the flags' help.
func AddFlags(fs *flag.FlagSet, what string) Flags {
	return Flags{
		cert:       fs.String("tls-cert", "", "serve "+what+" with this PEM certificate chain (with -tls-key; SIGHUP re-reads both)"),
		key:        fs.String("tls-key", "", "the PEM private key of -tls-cert"),
		selfSigned: fs.Bool("tls-self-signed", false, "serve "+what+" with an ephemeral self-signed ECDSA P-256 certificate for localhost and 127.0.0.1 (its SHA-256 fingerprint is logged)"),
	}
}

// Load returns the certificate the flags ask for (nil: no TLS), logs a
// self-signed one's fingerprint, and reloads a file pair on SIGHUP (a
// failed reload is logged and the old pair kept). name prefixes the log
// lines.
func (f Flags) Load(name string) (*Reloader, error) {
	rl, err := FromFlags(*f.cert, *f.key, *f.selfSigned)
	if rl == nil || err != nil {
		return nil, err
	}
	if *f.selfSigned {
		slog.Info(name+": self-signed certificate", "hosts", "localhost,127.0.0.1,::1", "sha256", Fingerprint(rl.Certificate()))
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
			slog.Info(name+": certificate reloaded", "cert", *f.cert, "sha256", Fingerprint(rl.Certificate()))
		}
	}()
	return rl, nil
}

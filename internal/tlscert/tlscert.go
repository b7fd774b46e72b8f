// Package tlscert makes certificates for trying TLS out and for tests: an
// ephemeral self-signed certificate (the examples' -tls-self-signed) and a
// throwaway certificate authority issuing server and client certificates
// (the interop tests hand its PEM to curl, openssl, Python and Chromium).
//
//	cert, err := tlscert.SelfSigned("localhost", "127.0.0.1")
//	fmt.Println(tlscert.Fingerprint(cert))
//	srv := http.NewServer(h, http.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}}))
package tlscert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// KeyType chooses a certificate's key.
type KeyType int

// The key types: ECDSA on P-256 (the default, fast to sign) and RSA-2048.
const (
	ECDSAP256 KeyType = iota
	RSA2048
)

func newKey(kt KeyType) (crypto.Signer, error) {
	if kt == RSA2048 {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
}

// hostsTemplate puts each host in the certificate as an IP address or a
// DNS name.
func hostsTemplate(t *x509.Certificate, hosts []string) {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, h)
		}
	}
}

// SelfSigned returns an ephemeral self-signed ECDSA P-256 certificate for
// hosts (DNS names or IP addresses), valid for a day from an hour ago.
func SelfSigned(hosts ...string) (tls.Certificate, error) {
	key, err := newKey(ECDSAP256)
	if err != nil {
		return tls.Certificate{}, err
	}
	sn, err := serial()
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: firstOr(hosts, "muduo-go self-signed")},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	hostsTemplate(tmpl, hosts)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// Fingerprint returns the SHA-256 of the certificate's leaf, in the
// colon-separated upper-case hex that browsers and openssl x509
// -fingerprint -sha256 print.
func Fingerprint(cert tls.Certificate) string {
	if len(cert.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(cert.Certificate[0])
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// CA is a throwaway certificate authority.
type CA struct {
	cert *x509.Certificate
	der  []byte
	key  crypto.Signer
}

// NewCA makes a certificate authority with an ECDSA P-256 key.
func NewCA() (*CA, error) {
	key, err := newKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: "muduo-go test CA", Organization: []string{"muduo-go"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("tlscert: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlscert: %w", err)
	}
	return &CA{cert: cert, der: der, key: key}, nil
}

// Pool returns a pool holding the CA, for RootCAs or ClientCAs.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// PEM returns the CA's certificate in PEM.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.der})
}

// Server issues a server certificate for hosts.
func (ca *CA) Server(kt KeyType, hosts ...string) (tls.Certificate, error) {
	return ca.issue(kt, x509.ExtKeyUsageServerAuth, hosts)
}

// Client issues a client certificate (for mutual TLS) named cn.
func (ca *CA) Client(kt KeyType, cn string) (tls.Certificate, error) {
	return ca.issue(kt, x509.ExtKeyUsageClientAuth, []string{cn})
}

func (ca *CA) issue(kt KeyType, usage x509.ExtKeyUsage, hosts []string) (tls.Certificate, error) {
	key, err := newKey(kt)
	if err != nil {
		return tls.Certificate{}, err
	}
	sn, err := serial()
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: firstOr(hosts, "muduo-go"), Organization: []string{"muduo-go"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if kt == RSA2048 {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if usage == x509.ExtKeyUsageServerAuth {
		hostsTemplate(tmpl, hosts)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// WritePEM writes cert's chain and key as PEM files into dir, named
// name.crt and name.key, and returns their paths (what
// tls.LoadX509KeyPair, curl's --cert and the examples' -tls-cert take).
func WritePEM(dir, name string, cert tls.Certificate) (certFile, keyFile string, err error) {
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return "", "", fmt.Errorf("tlscert: %w", err)
	}
	certFile = filepath.Join(dir, name+".crt")
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestSelfSignedAndFingerprint(t *testing.T) {
	c, err := SelfSigned("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)
	for _, h := range []string{"localhost", "127.0.0.1"} {
		if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: h}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if fp := Fingerprint(c); !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q", fp)
	}
}

func TestCAAndReloader(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	for _, kt := range []KeyType{ECDSAP256, RSA2048} {
		srv, err := ca.Server(kt, "example.test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "example.test"}); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := ca.Client(ECDSAP256, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, _ := ca.Server(ECDSAP256, "a.test")
	certFile, keyFile, err := WritePEM(dir, "s", a)
	if err != nil {
		t.Fatal(err)
	}
	r, err := FromFlags(certFile, keyFile, false)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.GetCertificate(&tls.ClientHelloInfo{})
	if !got.Leaf.Equal(a.Leaf) {
		t.Fatal("not the files' certificate")
	}
	b, _ := ca.Server(ECDSAP256, "b.test")
	if _, _, err := WritePEM(dir, "s", b); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.GetCertificate(nil); !got.Leaf.Equal(b.Leaf) {
		t.Fatal("Reload kept the old certificate")
	}
	_ = os.WriteFile(filepath.Join(dir, "s.key"), []byte("junk"), 0o600)
	if err := r.Reload(); err == nil {
		t.Fatal("a broken key reloaded")
	}
	if got, _ := r.GetCertificate(nil); !got.Leaf.Equal(b.Leaf) {
		t.Fatal("a failed Reload changed the certificate")
	}
	for _, bad := range [][3]any{{"x", "", false}, {"", "y", false}, {"x", "y", true}} {
		if _, err := FromFlags(bad[0].(string), bad[1].(string), bad[2].(bool)); err == nil {
			t.Errorf("FromFlags%v accepted", bad)
		}
	}
	if r, err := FromFlags("", "", false); r != nil || err != nil {
		t.Fatal("no flags must mean no TLS")
	}
	if r, err := FromFlags("", "", true); r == nil || err != nil || r.Reload() == nil {
		t.Fatal("self-signed")
	}
}

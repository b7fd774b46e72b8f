package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/internal/testproc"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
)

// tool returns the path of an external client, skipping the test without
// it (failing it when CI is set: CI installs them).
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not in PATH", name)
		}
		t.Skipf("no %s in PATH", name)
	}
	return p
}

// tlsFiles writes a CA and a server certificate for localhost and
// 127.0.0.1 into a temporary directory.
type tlsFiles struct {
	dir, caFile, certFile, keyFile string
	ca                             *tlscert.CA
	leaf                           tls.Certificate
}

func newTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	ca, err := tlscert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	f := tlsFiles{dir: t.TempDir(), ca: ca}
	f.caFile = filepath.Join(f.dir, "ca.pem")
	if err := os.WriteFile(f.caFile, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	f.reissue(t)
	return f
}

// reissue writes a new server certificate over the files.
func (f *tlsFiles) reissue(t *testing.T) {
	t.Helper()
	leaf, err := f.ca.Server(tlscert.ECDSAP256, "localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.leaf = leaf
	if f.certFile, f.keyFile, err = tlscert.WritePEM(f.dir, "server", leaf); err != nil {
		t.Fatal(err)
	}
}

func served(t *testing.T, addr string, cfg *tls.Config) *x509.Certificate {
	t.Helper()
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

func TestTLSSelfSigned(t *testing.T) {
	p := testproc.Start(t, childEnv, "-addr 127.0.0.1:0 -debug=false -tls-self-signed")
	line, ok := p.WaitLog("self-signed certificate", guard)
	if !ok {
		t.Fatal("no fingerprint line")
	}
	addr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no listening line")
	}
	fp := regexp.MustCompile(`sha256=([0-9A-F:]+)`).FindStringSubmatch(line)
	cert := served(t, addr, &tls.Config{InsecureSkipVerify: true})
	if fp == nil || tlscert.Fingerprint(tls.Certificate{Certificate: [][]byte{cert.Raw}}) != fp[1] {
		t.Fatalf("logged %q; served certificate differs", line)
	}
	if err := cert.VerifyHostname("localhost"); err != nil {
		t.Fatal(err)
	}
	tr := &nethttp.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	if r := do(t, &nethttp.Client{Transport: tr, Timeout: guard}, "GET", "https://"+addr+"/plaintext", "", nil); r.body != "Hello, World!" {
		t.Fatalf("GET: %q", r.body)
	}
	p.Signal(t, syscall.SIGTERM)
	if exited, err := p.Wait(guard); !exited || err != nil {
		t.Fatalf("exit: %v %v", exited, err)
	}
}

func TestTLSReloadOnSIGHUP(t *testing.T) {
	f := newTLSFiles(t)
	p := testproc.Start(t, childEnv, "-addr 127.0.0.1:0 -debug=false -tls-cert "+f.certFile+" -tls-key "+f.keyFile)
	addr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no listening line")
	}
	cfg := &tls.Config{RootCAs: f.ca.Pool(), ServerName: "localhost"}
	first := f.leaf.Leaf.SerialNumber
	if got := served(t, addr, cfg).SerialNumber; got.Cmp(first) != 0 {
		t.Fatal("not the certificate of the files")
	}
	// A broken file: the old certificate stays.
	if err := os.WriteFile(f.keyFile, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.Signal(t, syscall.SIGHUP)
	if _, ok := p.WaitLog("reload failed", guard); !ok {
		t.Fatal("no reload failure logged")
	}
	if got := served(t, addr, cfg).SerialNumber; got.Cmp(first) != 0 {
		t.Fatal("a failed reload changed the certificate")
	}
	f.reissue(t)
	p.Signal(t, syscall.SIGHUP)
	if _, ok := p.WaitLog("certificate reloaded", guard); !ok {
		t.Fatal("no reload logged")
	}
	if got := served(t, addr, cfg).SerialNumber; got.Cmp(f.leaf.Leaf.SerialNumber) != 0 {
		t.Fatal("SIGHUP did not load the new certificate")
	}
	p.Signal(t, syscall.SIGTERM)
	if exited, err := p.Wait(guard); !exited || err != nil {
		t.Fatalf("exit: %v %v", exited, err)
	}
}

// TestTLSInteropClients runs real clients against the command serving
// HTTPS with a test CA: curl (both versions), openssl s_client (with
// session resumption), Python's ssl module, wrk and headless Chromium
// loading /debug/status.
func TestTLSInteropClients(t *testing.T) {
	f := newTLSFiles(t)
	p := testproc.Start(t, childEnv, "-addr 127.0.0.1:0 -tls-cert "+f.certFile+" -tls-key "+f.keyFile)
	addr, ok := p.Addr(guard)
	if !ok {
		t.Fatal("no listening line")
	}
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	url := "https://localhost:" + port
	run := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Run("curl", func(t *testing.T) {
		curl := tool(t, "curl")
		for _, v := range []string{"--tlsv1.2 --tls-max 1.2", "--tlsv1.3"} {
			args := append(strings.Fields(v), "-sS", "--http1.1", "--cacert", f.caFile, "-w", " %{http_version} %{ssl_verify_result}", url+"/plaintext")
			if got := run(t, curl, args...); got != "Hello, World! 1.1 0" {
				t.Fatalf("curl %s: %q", v, got)
			}
		}
		if got := run(t, curl, "-sS", "--cacert", f.caFile, "-d", "ping", url+"/echo"); got != "ping" {
			t.Fatalf("curl POST: %q", got)
		}
	})
	t.Run("openssl", func(t *testing.T) {
		openssl := tool(t, "openssl")
		sess := filepath.Join(f.dir, "session.pem")
		for i, resume := range []string{"-sess_out", "-sess_in"} {
			// -ign_eof: wait for the server to close (Connection: close), not for
			// the end of standard input, or the response may be missed.
			cmd := exec.Command(openssl, "s_client", "-connect", "127.0.0.1:"+port, "-servername", "localhost", "-CAfile", f.caFile,
				"-alpn", "http/1.1", "-tls1_2", "-verify_return_error", "-ign_eof", resume, sess)
			cmd.Stdin = strings.NewReader("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			out, err := cmd.CombinedOutput()
			s := string(out)
			if err != nil || !strings.Contains(s, "Hello, World!") || !strings.Contains(s, "Verify return code: 0 (ok)") ||
				!strings.Contains(s, "ALPN protocol: http/1.1") {
				t.Fatalf("s_client: %v\n%s", err, s)
			}
			if i == 1 && !strings.Contains(s, "Reused,") {
				t.Fatalf("second s_client did not resume:\n%s", s)
			}
		}
	})
	t.Run("python", func(t *testing.T) {
		py := tool(t, "python3")
		script := `import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
    ctx.minimum_version = ctx.maximum_version = v
    with urllib.request.urlopen(sys.argv[2], context=ctx) as r:
        print(v.name, r.status, r.read().decode())
`
		got := run(t, py, "-c", script, f.caFile, url+"/plaintext")
		if got != "TLSv1_2 200 Hello, World!\nTLSv1_3 200 Hello, World!\n" {
			t.Fatalf("python: %q", got)
		}
	})
	t.Run("wrk", func(t *testing.T) {
		wrk := tool(t, "wrk")
		out := run(t, wrk, "-t1", "-c8", "-d1s", url+"/plaintext")
		if !strings.Contains(out, "Requests/sec") || strings.Contains(out, "Socket errors") || strings.Contains(out, "Non-2xx") {
			t.Fatalf("wrk:\n%s", out)
		}
	})
	t.Run("chromium", func(t *testing.T) {
		chromium := tool(t, "chromium")
		if testing.Short() {
			t.Skip("-short: no browser run")
		}
		// Chromium trusts the test server's key by its SPKI hash: the
		// headless browser has no certificate store of ours to add the CA to.
		spki := sha256.Sum256(f.leaf.Leaf.RawSubjectPublicKeyInfo)
		profile := t.TempDir()
		out := run(t, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
			"--user-data-dir="+profile, "--ignore-certificate-errors-spki-list="+base64.StdEncoding.EncodeToString(spki[:]),
			"--virtual-time-budget=3000", "--dump-dom", url+"/debug/status")
		m := regexp.MustCompile(`id="requests-total"[^>]*>([0-9][^<]*)<`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("the status page did not render its numbers over HTTPS:\n%s", out[:min(len(out), 3000)])
		}
	})
	p.Signal(t, syscall.SIGTERM)
	if exited, err := p.Wait(guard); !exited || err != nil {
		t.Fatalf("exit: %v %v", exited, err)
	}
}

//go:build linux

package rpc_test

import (
	"context"
	"crypto/tls"
	"strings"
	"sync"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/internal/testrpc"
	"github.com/seed08ffa9f8/muduo-go/internal/tlscert"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

func rpcPKI(t *testing.T) (*tlscert.CA, tls.Certificate, tls.Certificate) {
	t.Helper()
	ca, err := tlscert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Server(tlscert.ECDSAP256, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ca.Client(tlscert.ECDSAP256, "rpc-client")
	if err != nil {
		t.Fatal(err)
	}
	return ca, srv, cl
}

func TestRPCOverTLS(t *testing.T) {
	ca, srvCert, clientCert := rpcPKI(t)
	srv := testrpc.Demo(t, rpc.WithLogger(quiet))
	defer srv.Close()
	ts := testrpc.ServeTCP(t, srv, rpc.WithTLS(&tls.Config{
		Certificates: []tls.Certificate{srvCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
	}))
	defer ts.Close()
	addr := ts.Addr().String()

	c, err := rpc.Dial(context.Background(), addr, rpc.WithClientLogger(quiet),
		rpc.WithClientTLS(&tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{clientCert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Many calls at once: pipelined over one TLS connection.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			var sum int
			if err := c.Call(context.Background(), "Arith.Add", demo.Args{A: i, B: 1}, &sum); err != nil || sum != i+1 {
				t.Errorf("Arith.Add(%d, 1) = %d, %v", i, sum, err)
			}
		})
	}
	wg.Wait()
	var echo []string
	big := strings.Repeat("x", 200<<10)
	if err := c.Call(context.Background(), "Echo.Echo", []string{big}, &echo); err != nil || len(echo) != 1 || echo[0] != big {
		t.Fatalf("echo of 200 KiB: %d, %v", len(echo), err)
	}
	if st := ts.TCP().TLSStats(); st.Handshakes != 1 {
		t.Fatalf("stats %+v", st)
	}

	// A client the server does not trust, and one that does not trust the
	// server: Dial fails with the handshake's error.
	// Under TLS 1.3 the client's handshake is done before the server has
	// checked its certificate: Dial may succeed, and the first call fails.
	if nc, err := rpc.Dial(context.Background(), addr, rpc.WithClientLogger(quiet), rpc.WithReconnect(false),
		rpc.WithClientTLS(&tls.Config{RootCAs: ca.Pool()})); err == nil {
		var sum int
		if err := nc.Call(context.Background(), "Arith.Add", demo.Args{A: 1, B: 1}, &sum); err == nil {
			t.Fatal("a client without a certificate was served")
		}
		nc.Close()
	}
	err = dialAsync(t, context.Background(), addr, rpc.WithClientTLS(&tls.Config{Certificates: []tls.Certificate{clientCert}}))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted server: %v", err)
	}
}

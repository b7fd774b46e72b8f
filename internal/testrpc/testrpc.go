// Package testrpc starts the demo JSON-RPC services (package rpc/demo) on
// free loopback ports, for tests that need a server to call.
//
// Only tests import it. Each function returns what it started for the
// caller to close, so that a test decides the order of its closes and can
// check for leaks after them.
package testrpc

import (
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// Demo returns a new rpc.Server, made with opts, that serves the demo
// services. It fails the test if they cannot be registered.
func Demo(t testing.TB, opts ...rpc.Option) *rpc.Server {
	t.Helper()
	srv := rpc.NewServer(opts...)
	if err := demo.Register(srv); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	return srv
}

// ServeTCP starts srv's TCP transport, made with opts, on a free loopback
// port. It fails the test if the transport does not start.
func ServeTCP(t testing.TB, srv *rpc.Server, opts ...rpc.TCPOption) *rpc.TCPServer {
	t.Helper()
	ts := rpc.NewTCPServer(srv, opts...)
	if err := ts.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return ts
}

// ServeHTTP starts an HTTP server, made with opts, that serves srv at
// /rpc on a free loopback port. It fails the test if the server does not
// start.
func ServeHTTP(t testing.TB, srv *rpc.Server, opts ...http.Option) *http.Server {
	t.Helper()
	rt := http.NewRouter()
	rt.Handle("/rpc", srv.HTTPHandler())
	hs := http.NewServer(rt, opts...)
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return hs
}

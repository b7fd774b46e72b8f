package main

import (
	"log/slog"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// The expvar names under which /debug/vars shows the servers' counters.
const (
	RPCVarsName  = "muduo_rpc"     // rpc.Server: calls by method, errors by code
	TCPVarsName  = "muduo_rpc_tcp" // the TCP transport's tcp.Server
	HTTPVarsName = "muduo_http"    // the HTTP transport's http.Server
)

// publishVars publishes the servers' counters (ts may be nil) and the
// runtime variables, for the debug routes on hs; once per process.
func publishVars(srv *rpc.Server, ts *rpc.TCPServer, hs *http.Server) {
	http.PublishRuntimeExpvar()
	warn := func(err error) {
		if err != nil {
			slog.Warn("rpcserver: expvar", "err", err)
		}
	}
	warn(srv.PublishExpvar(RPCVarsName))
	if ts != nil {
		warn(ts.TCP().PublishExpvar(TCPVarsName))
	}
	warn(hs.PublishExpvar(HTTPVarsName))
}

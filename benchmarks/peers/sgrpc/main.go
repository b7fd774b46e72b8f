// Command sgrpc is the github.com/sourcegraph/jsonrpc2 peer (JSON-RPC 2.0).
// It uses NewPlainObjectStream, whose json.Encoder ends every object with a
// newline, so the same line-based load generator drives it. Params are raw:
// {"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":N}.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net"

	"github.com/sourcegraph/jsonrpc2"
)

type args struct {
	A int `json:"a"`
	B int `json:"b"`
}

func handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	if req.Method != "Arith.Add" {
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: req.Method}
	}
	var a args
	if req.Params == nil {
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "no params"}
	}
	if err := json.Unmarshal(*req.Params, &a); err != nil {
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: err.Error()}
	}
	return a.A + a.B, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9102", "listen address")
	async := flag.Bool("async", false, "handle requests concurrently (jsonrpc2.AsyncHandler); otherwise in order per connection")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	var h jsonrpc2.Handler = jsonrpc2.HandlerWithError(handle)
	if *async {
		h = jsonrpc2.AsyncHandler(h)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		// The Conn runs its own read goroutine and closes itself on EOF.
		jsonrpc2.NewConn(context.Background(), jsonrpc2.NewPlainObjectStream(c), h)
	}
}

// Command netrpc is the net/rpc + net/rpc/jsonrpc peer (JSON-RPC 1.0, one
// goroutine per connection via jsonrpc.ServeConn). Requests look like
// {"method":"Arith.Add","params":[{"a":1,"b":2}],"id":N}.
package main

import (
	"flag"
	"log"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
)

// Args is Arith.Add's parameter object.
type Args struct {
	A int `json:"a"`
	B int `json:"b"`
}

// Arith is the service every RPC peer exposes.
type Arith struct{}

// Add returns a+b.
func (Arith) Add(args *Args, reply *int) error {
	*reply = args.A + args.B
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9101", "listen address")
	flag.Parse()
	if err := rpc.Register(Arith{}); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go jsonrpc.ServeConn(c)
	}
}

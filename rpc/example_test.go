package rpc_test

import (
	"context"
	"fmt"

	"github.com/seed08ffa9f8/muduo-go/rpc"
	"github.com/seed08ffa9f8/muduo-go/rpc/demo"
)

// ExampleStreamCodec shows the loop a stream transport runs for one connection: append
// what was read to the input buffer, take complete texts from the codec,
// dispatch them, write framed replies, and drop consumed bytes. A reactor
// transport posts callbacks that arrive on worker goroutines back to its
// loop before writing.
func ExampleStreamCodec() {
	srv := rpc.NewServer()
	defer srv.Close()
	if err := demo.Register(srv); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background()) // cancelled on close
	defer cancel()
	sess := srv.NewSession(ctx)
	codec := rpc.NewStreamCodec(srv.Limits())

	var out []byte
	done := make(chan struct{}, 8)
	write := func(r rpc.Reply) { // may run on a worker goroutine
		if !r.Empty() {
			out = codec.AppendFrame(out, r.Bytes())
		}
		r.Release()
		done <- struct{}{}
	}

	inbuf := []byte(`{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}` + "\n" +
		`{"method":"Arith.Div","params":[{"a":1,"b":0}],"id":"x"}` + "\n" + `[1]` + "\n" + `{"jsonrpc":`)
	n := 0
	for {
		text, consumed, err := codec.Scan(inbuf)
		if err != nil {
			break // the stream can not be resynchronised: close the connection
		}
		if text != nil {
			sess.Dispatch(text, write)
			n++
		}
		inbuf = inbuf[consumed:]
		if text == nil {
			break // wait for more input; `{"jsonrpc":` stays buffered
		}
	}
	for range n {
		<-done
	}
	fmt.Printf("%s", out)
	fmt.Printf("still buffered: %s\n", inbuf)
	// Output:
	// {"jsonrpc":"2.0","id":1,"result":3}
	// {"id":"x","result":null,"error":"division by zero"}
	// [{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]
	// still buffered: {"jsonrpc":
}

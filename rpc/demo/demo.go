// Package demo holds the example services used by the rpc package's tests
// and golden files, exported so that examples (e.g. examples/rpcserver) and
// the transports' tests can register the very same services.
package demo

import (
	"context"
	"errors"

	jsoniter "github.com/json-iterator/go"

	"github.com/seed08ffa9f8/muduo-go/rpc"
)

// Args are the operands of the Arith methods. Both are required: a call
// that omits one (or sends null) is Invalid params, not a sum with zero.
type Args struct {
	A int `json:"a" rpc:"required"`
	B int `json:"b" rpc:"required"`
}

// ErrDivByZero is returned by Arith.Div for b == 0; it carries no code, so
// it is answered with rpc.CodeApplicationError.
var ErrDivByZero = errors.New("division by zero")

// Arith is a stateless calculator; its methods never block.
type Arith struct{}

// Add sets *reply to a+b. Shows a value-type args parameter.
func (Arith) Add(args Args, reply *int) error {
	*reply = args.A + args.B
	return nil
}

// Mul sets *reply to a*b.
func (Arith) Mul(args *Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

// Div sets *reply to a/b (integer division); b == 0 is ErrDivByZero. Shows
// the context-taking form.
func (Arith) Div(_ context.Context, args *Args, reply *int) error {
	if args.B == 0 {
		return ErrDivByZero
	}
	*reply = args.A / args.B
	return nil
}

// Echo returns its params unchanged (null when absent). The params bytes
// stay valid until the response is encoded, so no copy is needed.
func Echo(_ context.Context, params []byte) (any, error) {
	if params == nil {
		return nil, nil
	}
	return jsoniter.RawMessage(params), nil
}

// Register registers Arith (inline: runs on the event loop) and Echo.Echo
// (blocking: runs on the worker pool) on s.
func Register(s *rpc.Server) error {
	if err := s.Register("Arith", Arith{}, rpc.Inline()); err != nil {
		return err
	}
	return rpc.HandleRaw(s, "Echo.Echo", Echo)
}

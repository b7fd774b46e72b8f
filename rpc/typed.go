package rpc

import (
	"context"
	"fmt"
	"reflect"
)

// Handle publishes fn under the full method name (e.g. "add" or
// "Arith.Add"): the way to publish a single function. Params bind onto A
// as for [Server.Register]; the result is *R, encoded when fn returns nil.
// The generic wrapper calls fn directly (no reflect.Value.Call), so a call
// costs only the allocation of *A and *R plus the result encoding. For raw
// JSON params see [HandleRaw]; for every method of a receiver, Register.
// Same goroutine rules as [Server.Register].
func Handle[A, R any](s *Server, name string, fn func(ctx context.Context, args *A, reply *R) error, opts ...RegisterOption) error {
	if name == "" || fn == nil {
		return fmt.Errorf("rpc: Handle needs a name and a function")
	}
	if _, dup := s.methods[name]; dup {
		return fmt.Errorf("rpc: method %s already registered", name)
	}
	var cfg regConfig
	for _, o := range opts {
		o(&cfg)
	}
	m := &method{
		name:      name,
		inline:    cfg.inlineAll,
		argType:   reflect.TypeFor[A](),
		argIsPtr:  true,
		replyType: reflect.TypeFor[R](),
		typed: func(ctx context.Context, args, reply any) error {
			return fn(ctx, args.(*A), reply.(*R))
		},
	}
	m.setArgs()
	s.methods[name] = m
	return nil
}

package rpc

import (
	"context"
	"fmt"
	"reflect"
)

// Handle publishes fn under the full method name with the same params
// binding as RegisterName, but without reflect.Value.Call: the generic
// wrapper calls fn directly, so a call costs only the allocation of *A and
// *R plus the result encoding. Use it for hot methods. Same goroutine rules
// as RegisterName.
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

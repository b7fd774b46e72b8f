package http

import "net/netip"

// requestValue is one SetValue entry.
type requestValue struct{ key, value any }

// SetValue attaches value to the request under key, for the handlers the
// request is passed to next: how a middleware hands on what it learned (a
// request ID, an authenticated user) without a context.Context, whose
// WithValue allocates a context per value. Keys compare with ==, so use a
// value of an unexported type of your package, as for context keys; a key
// already set is overwritten. A nil value deletes.
//
// Values live as long as the Request: until the handler returns (Clone
// copies them, and the worker pool's clone carries them). The storage is
// reused from request to request, so setting values allocates nothing in
// steady state beyond what boxing value in an interface costs (nothing for
// pointers and for values of at most one machine word).
//
// The request is not safe for concurrent use: call it from the goroutine
// running the handler.
func (r *Request) SetValue(key, value any) {
	for i := range r.values {
		if r.values[i].key == key {
			if value == nil {
				last := len(r.values) - 1
				r.values[i] = r.values[last]
				r.values[last] = requestValue{}
				r.values = r.values[:last]
				return
			}
			r.values[i].value = value
			return
		}
	}
	if value != nil {
		r.values = append(r.values, requestValue{key, value})
	}
}

// Value returns the value SetValue attached under key, or nil.
func (r *Request) Value(key any) any {
	for i := range r.values {
		if r.values[i].key == key {
			return r.values[i].value
		}
	}
	return nil
}

// SetRemoteAddr replaces the client address the handlers after this one
// see in RemoteAddr (and an adapted net/http handler in its RemoteAddr),
// and that response hooks report: for a middleware that learns the real
// client from a trusted proxy's X-Forwarded-For or Forwarded field. The
// connection's own peer address is still ConnRemoteAddr's.
func (r *Request) SetRemoteAddr(addr netip.AddrPort) {
	r.remote, r.remoteSet = addr, true
}

// ConnRemoteAddr returns the address of the connection's peer (the proxy,
// behind one), whatever SetRemoteAddr said.
func (r *Request) ConnRemoteAddr() netip.AddrPort {
	if r.hc == nil {
		return netip.AddrPort{}
	}
	return r.hc.tc.PeerAddr()
}

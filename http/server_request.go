package http

import (
	"context"
	"net/netip"
)

// Body returns the request body, complete and de-chunked: the server reads
// the whole body (up to Limits.MaxBodyBytes) before it calls the handler.
// Like every view of the Request it is valid only until the handler
// returns; copy it to keep it.
func (r *Request) Body() []byte { return r.body }

// Context returns a context that is cancelled when the client's connection
// closes (or the server shuts down), so work done for a client that left
// can stop. Call it in the handler, on the loop; the context itself may be
// kept and used anywhere.
func (r *Request) Context() context.Context {
	if r.ctx != nil {
		return r.ctx
	}
	if r.hc == nil {
		return context.Background()
	}
	return r.hc.context()
}

// RemoteAddr returns the client's address: the connection's peer, unless
// a middleware said otherwise with SetRemoteAddr.
func (r *Request) RemoteAddr() netip.AddrPort {
	if r.remoteSet {
		return r.remote
	}
	if r.hc == nil {
		return netip.AddrPort{}
	}
	return r.hc.tc.PeerAddr()
}

// LocalAddr returns the server address the request came in on.
func (r *Request) LocalAddr() netip.AddrPort {
	if r.hc == nil {
		return netip.AddrPort{}
	}
	return r.hc.tc.LocalAddr()
}

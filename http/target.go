package http

import "bytes"

// parseTarget classifies the request-target (RFC 9112 3.2) and records its
// path, query and, for absolute-form, host. The byte-level check (visible
// ASCII, no '#') already happened while scanning; this checks the form
// against the method.
func (p *parser) parseTarget(data []byte) *Error {
	r := &p.req
	r.methodID = lookupMethod(r.method.of(data))
	t := r.target.of(data)
	off := r.target.off
	switch {
	case r.methodID == mCONNECT:
		// authority-form is the only form CONNECT may use, and it may
		// be used by nothing else (RFC 9112 3.2.3).
		if !validAuthorityForm(t) {
			return ErrTargetForm
		}
		r.flags |= flAuthority
		return nil
	case t[0] == '/':
		r.splitPathQuery(off, t)
		if !validEscapes(r.path.of(data)) {
			return ErrTargetEscape
		}
		return nil
	case t[0] == '*':
		if len(t) != 1 || r.methodID != mOPTIONS {
			return ErrTargetForm
		}
		r.flags |= flAsterisk
		r.path = r.target
		return nil
	}
	if err := r.absoluteForm(off, t); err != nil {
		return err
	}
	// A path with a bad %XX escape: net/http refuses it (see validEscapes).
	if !validEscapes(r.path.of(data)) {
		return ErrTargetEscape
	}
	return nil
}

// splitPathQuery sets path and query from a path-and-query starting at off.
func (r *Request) splitPathQuery(off uint32, pq []byte) {
	q := bytes.IndexByte(pq, '?')
	if q < 0 {
		r.path = span{off, uint32(len(pq))}
		return
	}
	r.path = span{off, uint32(q)}
	r.query = span{off + uint32(q) + 1, uint32(len(pq) - q - 1)}
	r.flags |= flHasQuery
}

// absoluteForm accepts scheme "://" authority path-abempty [ "?" query ].
// URIs without an authority ("urn:x") cannot name an HTTP origin and are
// refused. The authority becomes the request's host, overriding any Host
// field (RFC 9112 3.2.2); userinfo is refused (RFC 9110 4.2.4) by
// validHost, which does not admit '@'.
func (r *Request) absoluteForm(off uint32, t []byte) *Error {
	if !isAlpha(t[0]) {
		return ErrTarget
	}
	i := 1
	for i < len(t) && classes[t[i]]&clsScheme != 0 {
		i++
	}
	if !bytes.HasPrefix(t[i:], []byte("://")) {
		return ErrTarget
	}
	i += 3
	a := i
	for i < len(t) && t[i] != '/' && t[i] != '?' {
		i++
	}
	if i == a || !validHost(t[a:i]) || !validHostEscapes(t[a:i]) {
		return ErrHostInvalid
	}
	r.host = span{off + uint32(a), uint32(i - a)}
	r.flags |= flAbsolute | flHasHost
	if i == len(t) || t[i] == '?' {
		r.flags |= flPathSlash
	}
	r.splitPathQuery(off+uint32(i), t[i:])
	return nil
}

// validAuthorityForm accepts uri-host ":" port with a non-empty host and a
// non-empty numeric port.
func validAuthorityForm(t []byte) bool {
	host, hasPort, ok := splitHost(t)
	return ok && hasPort && len(host) > 0 && len(host) < len(t)-1
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// validHostEscapes reports whether every '%' in an absolute-form
// authority escapes a non-ASCII byte (or is "%25", a zone's): net/http
// (url.Parse) refuses other escapes in a host, which name nothing a DNS
// name or an IP literal can hold.
func validHostEscapes(host []byte) bool {
	for i := bytes.IndexByte(host, '%'); i >= 0; {
		if i+2 >= len(host) || !isHex(host[i+1]) || !isHex(host[i+2]) ||
			unhex(host[i+1]) < 8 && string(host[i:i+3]) != "%25" {
			return false
		}
		j := bytes.IndexByte(host[i+3:], '%')
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return true
}

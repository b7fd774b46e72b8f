package http

// semantics records what the fields that matter for framing and connection
// management say. Conflicts are refused here, as early as possible;
// combinations are judged in finish once every field has been seen.
func (p *parser) semantics(name, value []byte, vs span) *Error {
	r := &p.req
	switch len(name) {
	case 4:
		if !equalFold(name, "host") {
			return nil
		}
		if r.has(flHostHdr) {
			return ErrHostRepeated
		}
		if !validHost(value) {
			return ErrHostInvalid
		}
		r.flags |= flHostHdr
		if !r.has(flAbsolute) {
			r.host = vs
			r.flags |= flHasHost
		}
	case 6:
		if !equalFold(name, "expect") {
			return nil
		}
		// Expect is a list (RFC 9110 10.1.1): "100-continue, foo" holds
		// the expectation too, and the client waits for our 100.
		for rest := value; rest != nil; {
			var e []byte
			e, rest = nextElement(rest)
			if equalFold(e, "100-continue") {
				r.flags |= flExpectHdr
			}
		}
	case 7:
		if equalFold(name, "upgrade") {
			r.flags |= flUpgradeHdr
		}
	case 10:
		if !equalFold(name, "connection") {
			return nil
		}
		for rest := value; rest != nil; {
			var opt []byte
			opt, rest = nextElement(rest)
			switch {
			case equalFold(opt, "close"):
				r.flags |= flConnClose
			case equalFold(opt, "keep-alive"):
				r.flags |= flConnKeepAlive
			case equalFold(opt, "upgrade"):
				r.flags |= flConnUpgrade
			}
		}
	case 14:
		if !equalFold(name, "content-length") {
			return nil
		}
		// RFC 9110 8.6: a list of identical values ("5, 5", or the same
		// value on several lines) is accepted as that value; anything
		// else that is not exactly 1*DIGIT is refused.
		for rest := value; rest != nil; {
			var elem []byte
			elem, rest = nextElement(rest)
			n, ok := parseDecimal(elem)
			if !ok || (r.has(flHasCL) && n != r.contentLength) {
				return ErrContentLength
			}
			r.contentLength = n
			r.flags |= flHasCL
		}
	case 17:
		if !equalFold(name, "transfer-encoding") {
			return nil
		}
		r.flags |= flTE
		for rest := value; rest != nil; {
			var coding []byte
			coding, rest = nextElement(rest)
			switch {
			case len(coding) == 0: // empty list elements are ignored
			case equalFold(coding, "chunked"):
				if r.has(flTEChunkedSeen) {
					return ErrTEChunkedTwice
				}
				r.flags |= flTEChunkedSeen | flTEChunkedLast
			default:
				r.flags = r.flags&^flTEChunkedLast | flTEUnknown
			}
		}
	}
	return nil
}

// finish judges the complete head: Host presence, body framing (RFC 9112
// 6.1-6.3) and the connection decisions.
func (p *parser) finish() *Error {
	r := &p.req
	http11 := r.minor >= 1
	if http11 && !r.has(flHostHdr) {
		return ErrHostMissing
	}
	if r.has(flTE) {
		switch {
		case !http11:
			return ErrTEHTTP10 // RFC 9112 6.1: framing is faulty
		case r.has(flHasCL):
			return ErrCLAndTE
		case !r.has(flTEChunkedLast):
			return ErrTENotChunked
		case r.has(flTEUnknown):
			// Chunked framing is understood, but the body would
			// still be coded with something we do not decode.
			return ErrTEUnknown
		}
		r.flags |= flChunked
	}
	if r.has(flHasCL) && r.contentLength > p.lim.MaxBodyBytes {
		return ErrBodyTooLarge
	}
	if http11 {
		if !r.has(flConnClose) {
			r.flags |= flKeepAlive
		}
		if r.has(flExpectHdr) {
			r.flags |= flExpectContinue
		}
	} else if r.has(flConnKeepAlive) && !r.has(flConnClose) {
		r.flags |= flKeepAlive
	}
	if r.has(flConnUpgrade) && r.has(flUpgradeHdr) {
		r.flags |= flUpgrade
	}
	return nil
}

// parseDecimal parses 1*DIGIT into a non-negative int64, refusing signs,
// empty input and overflow.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' || n > (1<<63-1-9)/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

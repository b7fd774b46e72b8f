package middleware

// qUnlisted marks a coding the Accept-Encoding field did not name.
const qUnlisted = -1

// acceptedCodings are the weights (q-values in thousandths, 0..1000) an
// Accept-Encoding field gave the codings Compress knows, identity and "*".
type acceptedCodings struct {
	q        [numKinds]int
	identity int
	star     int
}

func (a *acceptedCodings) reset() {
	for i := range a.q {
		a.q[i] = qUnlisted
	}
	a.identity, a.star = qUnlisted, qUnlisted
}

// parse reads one Accept-Encoding field value (RFC 9110 12.5.3):
//
//	Accept-Encoding = #( codings [ weight ] )
//	codings         = content-coding / "identity" / "*"
//	weight          = OWS ";" OWS "q=" qvalue
//
// Names are case-insensitive; an element with a malformed weight is
// ignored, as is one with an unknown coding. A coding named twice keeps
// its last weight.
func (a *acceptedCodings) parse(v []byte) {
	for len(v) > 0 {
		var elem []byte
		if i := indexByte(v, ','); i >= 0 {
			elem, v = v[:i], v[i+1:]
		} else {
			elem, v = v, nil
		}
		name, params := elem, []byte(nil)
		if i := indexByte(elem, ';'); i >= 0 {
			name, params = elem[:i], elem[i+1:]
		}
		name = trimOWS(name)
		if len(name) == 0 {
			continue
		}
		q, ok := weight(params)
		if !ok {
			continue
		}
		switch {
		case len(name) == 1 && name[0] == '*':
			a.star = q
		case equalFoldASCII(name, "identity"):
			a.identity = q
		case equalFoldASCII(name, EncodingGzip), equalFoldASCII(name, "x-gzip"):
			a.q[kindGzip] = q
		case equalFoldASCII(name, EncodingZstd):
			a.q[kindZstd] = q
		case equalFoldASCII(name, EncodingDeflate):
			a.q[kindDeflate] = q
		}
	}
}

// weight returns the q-value of an element's parameters (1000 without
// one), false when it is malformed.
func weight(params []byte) (int, bool) {
	q := 1000
	for len(params) > 0 {
		var p []byte
		if i := indexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, nil
		}
		p = trimOWS(p)
		if len(p) < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
			if len(p) == 0 {
				continue
			}
			return 0, false // Accept-Encoding has no other parameter
		}
		var ok bool
		if q, ok = qvalue(p[2:]); !ok {
			return 0, false
		}
	}
	return q, true
}

// qvalue parses ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) into
// thousandths.
func qvalue(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 5 || (b[0] != '0' && b[0] != '1') {
		return 0, false
	}
	q := int(b[0]-'0') * 1000
	if len(b) == 1 {
		return q, true
	}
	if b[1] != '.' {
		return 0, false
	}
	scale := 100
	for _, c := range b[2:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// trimOWS trims spaces and tabs.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

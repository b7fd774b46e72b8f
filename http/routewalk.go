package http

// The clean walk: the lookup of the common request, one whose path is clean
// (rooted, no empty, "." or ".." segments) and holds no percent escape, on
// a Router without host patterns. It matches as routeNode.match does, but
// in one pass over the path: a static child is found by comparing its key
// with the path in place (no segment is cut out first), and the checks
// scanPath would make are made only on the bytes a wildcard takes (a key
// that equals the path's bytes is itself clean and unescaped). When the
// walk meets anything it does not handle, it gives up ("bail") and the
// general lookup decides, so it only has to be right when it answers.

// matchClean is methodTree.match for a path assumed clean and unescaped:
// the method's root, GET's for HEAD, then the patterns without a method.
// ok is false when the path turned out not to be clean or to hold an
// escape (on the way to the route or in what a wildcard took); rte is then
// meaningless and *ps must be reset by the caller.
func (mt *methodTree) matchClean(id uint8, path string, ps *[]span) (rte *route, ok bool) {
	// A path equal to a static pattern's of the method (GET's for HEAD
	// when HEAD has none) is clean and unescaped itself - patterns with a
	// method have clean paths, escapes are not in static ones - and the
	// walk would end at that pattern.
	first := mt.byID[id]
	if first == nil && id == mHEAD {
		first = mt.byID[mGET]
	}
	if first != nil {
		if rte := first.exact.find(path); rte != nil {
			return rte, true
		}
	}
	if n := mt.byID[id]; n != nil {
		if rte, ok = n.walk(path, 0, ps); rte != nil || !ok {
			return rte, ok
		}
	}
	if id == mHEAD {
		if n := mt.byID[mGET]; n != nil {
			if rte, ok = n.walk(path, 0, ps); rte != nil || !ok {
				return rte, ok
			}
		}
	}
	if mt.any != nil {
		return mt.any.walk(path, 0, ps)
	}
	return nil, true
}

// walk matches path[pos:], which is empty or starts with '/'.
func (n *routeNode) walk(path string, pos int, ps *[]span) (*route, bool) {
	if pos == len(path) {
		return n.route, true
	}
	rest := path[pos+1:]
	if rest == "" { // a trailing slash: {$}, or a subtree with nothing after it
		if len(n.indices) > 0 {
			if c := n.static("/"); c != nil && c.route != nil {
				return c.route, true
			}
		}
		if n.multi != nil {
			rte := n.multi.route
			if rte.namedMulti {
				*ps = append(*ps, span{uint32(pos + 1), 0})
			}
			return rte, true
		}
		return nil, true
	}
	if rest[0] == '/' {
		return nil, false // an empty segment: not clean
	}
	c0 := rest[0]
	for i, b := range n.indices {
		if b != c0 {
			continue
		}
		c := n.statics[i]
		k := c.key
		if len(rest) < len(k) || rest[:len(k)] != k || len(rest) > len(k) && rest[len(k)] != '/' {
			continue
		}
		if c.slowKey {
			return nil, false // the path is unclean or escaped after all
		}
		// Keys are unique: no other static child can take this segment.
		if rte, ok := c.walk(path, pos+1+len(k), ps); rte != nil || !ok {
			return rte, ok
		}
		break
	}
	if n.wild == nil && n.multi == nil {
		return nil, true
	}
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			end = i
			break
		}
		if rest[i] == '%' {
			return nil, false
		}
	}
	if rest[0] == '.' && (end == 1 || end == 2 && rest[1] == '.') {
		return nil, false // "." or ".."
	}
	if n.wild != nil {
		k := len(*ps)
		*ps = append(*ps, span{uint32(pos + 1), uint32(end)})
		if rte, ok := n.wild.walk(path, pos+1+end, ps); rte != nil || !ok {
			return rte, ok
		}
		*ps = (*ps)[:k]
	}
	if n.multi != nil {
		// The subtree takes the rest of the path: it has to be clean and
		// unescaped too, not just the segments walked so far.
		if clean, esc := scanPath(path[pos:]); !clean || esc {
			return nil, false
		}
		rte := n.multi.route
		if rte.namedMulti {
			*ps = append(*ps, span{uint32(pos + 1), uint32(len(path) - pos - 1)})
		}
		return rte, true
	}
	return nil, true
}

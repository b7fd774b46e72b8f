package http

import (
	"slices"
	"strings"
)

// route is one registered pattern: the handler as registered (inner, whose
// capabilities the server reads: StreamingHandler, Refuser) and the same
// handler wrapped in its middleware (chain, what the server runs).
type route struct {
	pat        *pattern
	names      []string // wildcard names, in the order of Request.params
	namedMulti bool     // ends in {name...}: the rest of the path is a value
	multi      bool     // ends in a multi wildcard (or a trailing slash)
	nsegs      int      // len(pat.segs)
	inner      Handler
	chain      Handler
}

// routeTree holds every route of a Router and its groups: per host, per
// method, a tree of path segments. Matching walks it as ServeMux does (the
// host's patterns, then those without a host; the method's, GET's for HEAD,
// then those without a method; at each segment a literal child, then a
// {name} child, then a {name...} child, backing up on failure): since
// conflicting patterns are refused at registration, the first match is the
// most specific one.
type routeTree struct {
	hosts   map[string]*methodTree
	anyHost *methodTree
	routes  []*route
}

// methodTree is the routes of one host, by method.
type methodTree struct {
	byID  [len(methodNames)]*routeNode // standard methods, by parser id
	other map[string]*routeNode        // other methods
	any   *routeNode                   // patterns without a method
}

// routeNode is one path segment. Its static children are found by a scan
// of their first bytes, which beats hashing for the few children most
// segments have.
type routeNode struct {
	key     string // the literal, percent-decoded
	indices []byte // first byte of each static child's key (0 if empty)
	statics []*routeNode
	wild    *routeNode // {name}
	multi   *routeNode // {name...} or a trailing slash: a leaf
	route   *route     // the pattern that ends here
	// slowKey: the key is "." or ".." (a pattern without a method may
	// hold one) or holds a '%' or '/' (decoded from %25, %2F): path bytes
	// equal to it are unclean, escaped or more than one segment, which
	// the clean walk leaves to match.
	slowKey bool

	// exact holds, on a method's root, the patterns without wildcards by
	// their path: a static route is one probe, not a walk. It gives what
	// the walk would: at each segment the walk tries the literal first,
	// so a path a static pattern matches ends at that pattern.
	exact staticTable
}

func (t *routeTree) insert(rte *route) {
	p := rte.pat
	var mt *methodTree
	if p.host == "" {
		if t.anyHost == nil {
			t.anyHost = &methodTree{}
		}
		mt = t.anyHost
	} else {
		if t.hosts == nil {
			t.hosts = make(map[string]*methodTree)
		}
		if mt = t.hosts[p.host]; mt == nil {
			mt = &methodTree{}
			t.hosts[p.host] = mt
		}
	}
	n := mt.rootFor(p.method)
	if path, ok := p.staticPath(); ok {
		n.exact.add(path, rte)
	}
	for _, s := range p.segs {
		switch {
		case s.multi:
			n.multi = &routeNode{route: rte}
			t.routes = append(t.routes, rte)
			return
		case s.wild:
			if n.wild == nil {
				n.wild = &routeNode{}
			}
			n = n.wild
		default:
			n = n.addStatic(s.s)
		}
	}
	n.route = rte
	t.routes = append(t.routes, rte)
}

// rootFor returns (making it) the tree for method ("" for any).
func (mt *methodTree) rootFor(method string) *routeNode {
	pn := &mt.any
	if method != "" {
		if id := lookupMethod([]byte(method)); id != mUnknown {
			pn = &mt.byID[id]
		} else {
			if mt.other == nil {
				mt.other = make(map[string]*routeNode)
			}
			n := mt.other[method]
			if n == nil {
				n = &routeNode{}
				mt.other[method] = n
			}
			return n
		}
	}
	if *pn == nil {
		*pn = &routeNode{}
	}
	return *pn
}

func (n *routeNode) addStatic(key string) *routeNode {
	if c := n.static(key); c != nil {
		return c
	}
	c := &routeNode{key: key, slowKey: key == "." || key == ".." || strings.ContainsAny(key, "%/")}
	n.indices = append(n.indices, firstByte(key))
	n.statics = append(n.statics, c)
	return c
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

func (n *routeNode) static(seg string) *routeNode {
	b := firstByte(seg)
	for i, c := range n.indices {
		if c == b && n.statics[i].key == seg {
			return n.statics[i]
		}
	}
	return nil
}

// match finds the route for host, method and a path that starts with "/",
// appending the wildcard values to *ps as spans of path. esc says the path
// holds a '%': literal segments are then compared percent-decoded.
func (t *routeTree) match(host string, id uint8, method, path string, ps *[]span, esc bool) *route {
	if host != "" && t.hosts != nil {
		if rte := t.hosts[host].match(id, method, path, ps, esc); rte != nil {
			return rte
		}
	}
	return t.anyHost.match(id, method, path, ps, esc)
}

func (mt *methodTree) match(id uint8, method, path string, ps *[]span, esc bool) *route {
	if mt == nil {
		return nil
	}
	var n *routeNode
	if id != mUnknown {
		n = mt.byID[id]
	} else if mt.other != nil {
		n = mt.other[method]
	}
	if n != nil {
		if rte := n.lookup(path, ps, esc); rte != nil {
			return rte
		}
	}
	if id == mHEAD && mt.byID[mGET] != nil {
		if rte := mt.byID[mGET].lookup(path, ps, esc); rte != nil {
			return rte
		}
	}
	if mt.any != nil {
		return mt.any.lookup(path, ps, esc)
	}
	return nil
}

// lookup matches path on a method's root.
func (n *routeNode) lookup(path string, ps *[]span, esc bool) *route {
	if !esc {
		if rte := n.exact.find(path); rte != nil {
			return rte
		}
	}
	return n.match(path, 0, ps, esc)
}

// match matches path[pos:], which is empty or starts with '/'.
func (n *routeNode) match(path string, pos int, ps *[]span, esc bool) *route {
	if pos == len(path) {
		return n.route
	}
	var seg string
	end := len(path)
	if pos == len(path)-1 {
		seg = "/" // a trailing slash
	} else {
		for i := pos + 1; i < len(path); i++ {
			if path[i] == '/' {
				end = i
				break
			}
		}
		seg = path[pos+1 : end]
		if esc {
			seg = pathUnescape(seg)
		}
	}
	if len(n.indices) > 0 {
		if c := n.static(seg); c != nil {
			if rte := c.match(path, end, ps, esc); rte != nil {
				return rte
			}
		}
	}
	if n.wild != nil && seg != "/" {
		k := len(*ps)
		*ps = append(*ps, span{uint32(pos + 1), uint32(end - pos - 1)})
		if rte := n.wild.match(path, end, ps, esc); rte != nil {
			return rte
		}
		*ps = (*ps)[:k]
	}
	if n.multi != nil {
		rte := n.multi.route
		if rte.namedMulti {
			*ps = append(*ps, span{uint32(pos + 1), uint32(len(path) - pos - 1)})
		}
		return rte
	}
	return nil
}

// allowed returns the methods whose patterns match host and path (or path
// with a slash added, which would redirect), sorted, with HEAD when GET is
// there: the Allow of a 405, as ServeMux computes it.
func (t *routeTree) allowed(host, path string, esc bool) []string {
	var ms []string
	var scratch [8]span
	add := func(mt *methodTree, p string) {
		if mt == nil {
			return
		}
		try := func(m string, n *routeNode) {
			ps := scratch[:0]
			if n != nil && n.match(p, 0, &ps, esc) != nil && !slices.Contains(ms, m) {
				ms = append(ms, m)
			}
		}
		for id := 1; id < len(methodNames); id++ {
			try(methodNames[id], mt.byID[id])
		}
		for m, n := range mt.other {
			try(m, n)
		}
	}
	paths := []string{path}
	if !strings.HasSuffix(path, "/") {
		paths = append(paths, path+"/")
	}
	for _, p := range paths {
		if host != "" && t.hosts != nil {
			add(t.hosts[host], p)
		}
		add(t.anyHost, p)
	}
	if slices.Contains(ms, "GET") && !slices.Contains(ms, "HEAD") {
		ms = append(ms, "HEAD")
	}
	slices.Sort(ms)
	return ms
}

// exactMatch reports whether rte matches path without a subtree wildcard
// taking a non-empty rest (ServeMux's rule for when to try a redirect to
// path + "/").
func exactMatch(rte *route, path string) bool {
	if rte == nil {
		return false
	}
	if !rte.multi {
		return true
	}
	if len(path) > 0 && path[len(path)-1] != '/' {
		return false
	}
	return rte.nsegs == strings.Count(path, "/")
}

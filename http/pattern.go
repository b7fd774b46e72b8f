package http

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode"
)

// A pattern is a parsed route pattern, with the syntax and meaning of Go
// 1.22's net/http ServeMux patterns:
//
//	[METHOD ][HOST]/[PATH]
//
// PATH is a sequence of segments: a literal (matched after
// percent-decoding), {name} (one whole segment), {name...} (the rest of
// the path; last only), {$} (only the end of a path ending in a slash;
// last only). A path ending in a slash is a subtree: it matches every path
// with that prefix, as if it ended in an unnamed {...}.
type pattern struct {
	str    string // as registered
	method string // "" for any
	host   string // "" for any
	path   string // as registered
	segs   []patternSegment
}

// patternSegment is one segment of a pattern's path. A literal's s is
// percent-decoded; {$} is the literal "/". A wildcard's s is its name ("" for
// the unnamed multi of a trailing slash).
type patternSegment struct {
	s     string
	wild  bool
	multi bool
}

func (p *pattern) last() patternSegment { return p.segs[len(p.segs)-1] }

// staticPath returns the one path the pattern matches, if it has no
// wildcards and no escapes (a literal's escapes would have to be compared
// decoded): a Router finds such patterns with one map index.
func (p *pattern) staticPath() (string, bool) {
	path := strings.TrimSuffix(p.path, "{$}")
	if strings.ContainsAny(path, "{%") || p.last().multi {
		return "", false
	}
	return path, true
}

// names returns the wildcard names in the order their values are matched.
func (p *pattern) names() []string {
	var ns []string
	for _, s := range p.segs {
		if s.wild && s.s != "" {
			ns = append(ns, s.s)
		}
	}
	return ns
}

// parsePattern parses s. The rules are net/http's, plus one: a method must
// not contain lower-case letters. Methods are case-sensitive (RFC 9110 9.1)
// and every registered one is upper-case, so "get /x" is nearly always a
// typo that would otherwise answer every request 405.
func parsePattern(s string) (*pattern, error) {
	if s == "" {
		return nil, errors.New("empty pattern")
	}
	method, rest, found := "", s, false
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		method, rest, found = s[:i], strings.TrimLeft(s[i+1:], " \t"), true
	}
	if found && !isToken(method) {
		return nil, fmt.Errorf("invalid method %q", method)
	}
	if strings.ToUpper(method) != method {
		return nil, fmt.Errorf("method %q is not upper-case (methods are case-sensitive: did you mean %q?)", method, strings.ToUpper(method))
	}
	p := &pattern{str: s, method: method}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return nil, errors.New("host/path missing / (a path must start with /)")
	}
	p.host, rest = rest[:i], rest[i:]
	p.path = rest
	if strings.IndexByte(p.host, '{') >= 0 {
		return nil, errors.New("host contains '{' (missing initial '/'?)")
	}
	// Paths are cleaned before matching, so an unclean one could never
	// match (CONNECT's are not cleaned).
	if method != "" && method != "CONNECT" && rest != cleanPath(rest) {
		return nil, errors.New("non-CONNECT pattern with unclean path can never match")
	}
	seen := map[string]bool{}
	for len(rest) > 0 {
		rest = rest[1:]
		if rest == "" { // trailing slash: a subtree
			p.segs = append(p.segs, patternSegment{wild: true, multi: true})
			break
		}
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			i = len(rest)
		}
		var seg string
		seg, rest = rest[:i], rest[i:]
		if j := strings.IndexByte(seg, '{'); j < 0 {
			p.segs = append(p.segs, patternSegment{s: pathUnescape(seg)})
			continue
		} else if j != 0 {
			return nil, fmt.Errorf("bad wildcard segment %q (must start with '{')", seg)
		}
		if seg[len(seg)-1] != '}' {
			return nil, fmt.Errorf("bad wildcard segment %q (must end with '}')", seg)
		}
		name := seg[1 : len(seg)-1]
		if name == "$" {
			if rest != "" {
				return nil, errors.New("{$} not at end")
			}
			p.segs = append(p.segs, patternSegment{s: "/"})
			break
		}
		name, multi := strings.CutSuffix(name, "...")
		if multi && rest != "" {
			return nil, errors.New("{...} wildcard not at end")
		}
		if name == "" {
			return nil, errors.New("empty wildcard")
		}
		if !isWildcardName(name) {
			return nil, fmt.Errorf("bad wildcard name %q", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate wildcard name %q", name)
		}
		seen[name] = true
		p.segs = append(p.segs, patternSegment{s: name, wild: true, multi: multi})
	}
	return p, nil
}

// isWildcardName reports a valid Go identifier.
func isWildcardName(s string) bool {
	for i, c := range s {
		if !unicode.IsLetter(c) && c != '_' && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return s != ""
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

func isTchar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// pathUnescape percent-decodes a path segment as url.PathUnescape does;
// an invalid escape leaves it as it is (as ServeMux does). Unlike
// url.PathUnescape it does not make s escape to the heap, so a lookup can
// match a path held in a stack buffer.
func pathUnescape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return s
			}
			n++
			i += 2
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)-2*n)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// cleanPath is ServeMux's canonical path: rooted, without . and ..
// elements or repeated slashes, keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}

// relation is how the sets of requests two patterns match relate.
type relation uint8

const (
	equivalent   relation = iota // the same requests
	moreGeneral                  // p1 matches all p2 does, and more
	moreSpecific                 // p2 matches all p1 does, and more
	disjoint                     // no request matches both
	overlaps                     // some match both, neither is more specific
)

// conflictsWith reports whether some request matches both p1 and p2 while
// neither takes precedence: patterns with a host win over those without,
// then the one whose method and path match a strict subset wins.
func (p1 *pattern) conflictsWith(p2 *pattern) bool {
	if p1.host != p2.host {
		return false
	}
	rel := p1.compareMethods(p2)
	if rel != disjoint {
		rel = combine(rel, p1.comparePaths(p2))
	}
	return rel == equivalent || rel == overlaps
}

func (p1 *pattern) compareMethods(p2 *pattern) relation {
	switch {
	case p1.method == p2.method:
		return equivalent
	case p1.method == "":
		return moreGeneral
	case p2.method == "":
		return moreSpecific
	case p1.method == "GET" && p2.method == "HEAD":
		return moreGeneral // GET also serves HEAD
	case p2.method == "GET" && p1.method == "HEAD":
		return moreSpecific
	}
	return disjoint
}

func (p1 *pattern) comparePaths(p2 *pattern) relation {
	if len(p1.segs) != len(p2.segs) && !p1.last().multi && !p2.last().multi {
		return disjoint
	}
	rel := equivalent
	s1, s2 := p1.segs, p2.segs
	for ; len(s1) > 0 && len(s2) > 0; s1, s2 = s1[1:], s2[1:] {
		if rel = combine(rel, compareSegments(s1[0], s2[0])); rel == disjoint {
			return rel
		}
	}
	switch {
	case len(s1) == 0 && len(s2) == 0:
		return rel
	case len(s1) < len(s2) && p1.last().multi:
		return combine(rel, moreGeneral)
	case len(s2) < len(s1) && p2.last().multi:
		return combine(rel, moreSpecific)
	}
	return disjoint
}

func compareSegments(a, b patternSegment) relation {
	switch {
	case a.multi && b.multi:
		return equivalent
	case a.multi:
		return moreGeneral
	case b.multi:
		return moreSpecific
	case a.wild && b.wild:
		return equivalent
	case a.wild:
		if b.s == "/" { // {name} does not match a trailing slash
			return disjoint
		}
		return moreGeneral
	case b.wild:
		if a.s == "/" {
			return disjoint
		}
		return moreSpecific
	case a.s == b.s:
		return equivalent
	}
	return disjoint
}

// combine is the relation of two patterns from those of two parts of them.
func combine(r1, r2 relation) relation {
	switch r1 {
	case equivalent:
		return r2
	case disjoint:
		return disjoint
	case overlaps:
		if r2 == disjoint {
			return disjoint
		}
		return overlaps
	}
	// r1 is moreGeneral or moreSpecific.
	switch {
	case r2 == equivalent:
		return r1
	case r2 == inverse(r1):
		return overlaps
	}
	return r2
}

func inverse(r relation) relation {
	switch r {
	case moreSpecific:
		return moreGeneral
	case moreGeneral:
		return moreSpecific
	}
	return r
}

// conflictError explains why p2 can not be registered beside p1, with a
// request both match.
func conflictError(p1, p2 *pattern) error {
	if p1.compareMethods(p2) == equivalent && p1.comparePaths(p2) == equivalent {
		return fmt.Errorf("http: pattern %q matches the same requests as pattern %q, registered before", p2.str, p1.str)
	}
	return fmt.Errorf("http: pattern %q conflicts with pattern %q, registered before: both match some paths, like %q, and neither is more specific", p2.str, p1.str, commonPath(p1, p2))
}

// commonPath is a path both patterns match (they overlap).
func commonPath(p1, p2 *pattern) string {
	s1, s2 := p1.segs, p2.segs
	if len(s1) < len(s2) {
		s1, s2 = s2, s1
	}
	var b strings.Builder
	for i, a := range s1 {
		var s patternSegment
		if i < len(s2) {
			s = s2[i]
			if s.multi || (s.wild && !a.wild) {
				s = a
			}
		} else {
			s = a
		}
		switch {
		case s.multi:
			b.WriteString("/")
		case s.wild:
			b.WriteString("/x")
		case s.s == "/":
			b.WriteString("/")
		default:
			b.WriteString("/" + url.PathEscape(s.s))
		}
	}
	return strings.Replace(b.String(), "//", "/", 1)
}

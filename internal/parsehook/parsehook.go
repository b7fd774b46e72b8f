// Package parsehook lets tests outside package http parse a request head
// with the server's own parser, which package http does not export: the
// parser's incremental contract (resumption, rebinding, limits) is the
// server's business, not its users'.
package parsehook

// ParseRequest parses one complete request head in data with default
// limits. It returns the *http.Request (as any, since this package can not
// import http) or the parser's error, and nil, nil when data holds no
// complete head. Set by package http's init; nil until http is linked in.
var ParseRequest func(data []byte) (any, error)

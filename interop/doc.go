// Package interop tests muduo-go against other implementations of the
// same protocols (gorilla/websocket, coder/websocket). It is a module of
// its own so that those peers never enter the library's go.mod; it has
// only tests.
package interop

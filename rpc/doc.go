// Package rpc is the transport-agnostic core of a JSON-RPC 2.0 server (with
// JSON-RPC 1.0 compatibility) for the muduo-go reactor.
//
// The package is split the way go-ethereum's rpc package is: a [Server] holds
// the method registry and the dispatch semantics, a [Codec] does framing only
// (finding complete JSON texts in a byte stream and framing replies), and a
// transport is just a codec plus a loop that feeds it. The dispatcher never
// sees a connection: it is handed one complete JSON text (a single request or
// a batch) and answers exactly once through a callback.
//
// # Dispatch contract
//
// [Server.Dispatch] and [Session.Dispatch] take one complete JSON text and a
// callback. The callback is invoked exactly once per Dispatch call with a
// [Reply]; a zero Reply (Reply.Empty) means no response is due (notifications
// only). Handlers registered as inline (see [Inline]) run on the calling
// goroutine, so the callback may run synchronously before Dispatch returns.
// Other handlers run on the Server's bounded worker pool and the callback is
// then invoked from a worker goroutine. Dispatch never retains the input
// slice after it returns: whatever a queued call needs is decoded or copied
// first. The receiver of a non-empty Reply owns it and must call Release
// exactly once when the bytes have been written.
//
// # Error codes
//
// The spec codes -32700, -32600, -32601, -32602 and -32603 are used as the
// spec defines them. Server-side conditions (worker queue full, too many
// calls in flight, server closed) use the implementation-defined range:
// [CodeServerBusy] and [CodeServerClosed]. A handler error that is not an
// [*Error] (and has no ErrorCode method) is answered with
// [CodeApplicationError] (1), outside the reserved range -32768..-32000.
//
// # Decoding
//
// Every text is first checked by an iterative, allocation-free validator
// (RFC 8259 syntax plus the depth limit, with a fixed bit stack, so hostile
// nesting can neither recurse nor allocate). The request envelope is then
// walked by byte offsets over the validated text: ids are kept as raw bytes
// and echoed byte for byte, the method is looked up without allocating, and
// nothing is decoded into generic maps. jsoniter's Iterator is not used for
// the envelope because its member-name reads allocate a string per member
// and ReadStringAsSlice stops at an escaped quote; jsoniter does the params
// binding (UseNumber, json tags) and all value encoding.
//
// # Params binding
//
// See [Server.Register] for the accepted shapes. Unknown object members are
// an Invalid params error unless [WithAllowUnknownFields] is set. Numbers
// are never passed through float64: integer fields receive the exact value and
// an args type of interface{} receives json.Number values. A struct field
// tagged `rpc:"required"` must be present and not null (by name or by
// position): otherwise the call is Invalid params, not a call on a zero
// value. The check is one more pass over the params object (about 60-90 ns
// for a two-member object).
//
// JSON text must be UTF-8 (RFC 8259 8.1): an invalid sequence in any string
// is a Parse error. Replies on a stream are one line each: a result passed
// through raw with line breaks (Echo's params as sent) is compacted.
//
// # Statistics
//
// [Server.Stats] counts calls and errors per registered method and error
// responses by code (the five spec codes, [CodeServerBusy],
// [CodeServerClosed], [CodeApplicationError] and any other), with atomic
// counters that cost the dispatch path no allocation.
// [Server.PublishExpvar] publishes them through expvar, for the HTTP
// server's /debug/vars and /debug/status (see http.debug.Mount (package http/debug)).
package rpc

package rpc

import (
	"errors"
	"strconv"
)

// Standard JSON-RPC 2.0 error codes and the codes this package adds.
const (
	CodeParseError     = -32700 // invalid JSON
	CodeInvalidRequest = -32600 // not a valid Request object, or a limit was exceeded
	CodeMethodNotFound = -32601 // no such method
	CodeInvalidParams  = -32602 // params do not fit the method's argument type
	CodeInternalError  = -32603 // handler panicked, or the result could not be encoded

	// CodeServerBusy answers a blocking call when the worker queue is full
	// or the session already has MaxInFlight calls outstanding.
	CodeServerBusy = -32000
	// CodeServerClosed answers a blocking call submitted after Server.Close
	// or whose connection context was cancelled before it ran.
	CodeServerClosed = -32001

	// CodeApplicationError is the code of a handler error that carries no
	// code of its own. It lies outside the range -32768..-32000 the
	// specification reserves.
	CodeApplicationError = 1
)

// Error is a JSON-RPC error object. A handler may return an *Error (or any
// error wrapping one, or any error with an ErrorCode() int method) to control
// the code, message and data of the response. Error values are plain data and
// safe to share between goroutines once built.
type Error struct {
	Code    int    // error code; see the Code constants
	Message string // short description; becomes the 1.0 error string
	Data    any    // optional, encoded with jsoniter when non-nil
}

// Error implements error and returns the message. The methods of Error only
// read it and are safe for concurrent use.
func (e *Error) Error() string {
	if e.Message == "" {
		return "rpc: error " + strconv.Itoa(e.Code) // a peer that sent no message
	}
	return e.Message
}

// ErrorCode returns e.Code.
func (e *Error) ErrorCode() int { return e.Code }

// ErrorData returns e.Data.
func (e *Error) ErrorData() any { return e.Data }

type codedError interface{ ErrorCode() int }
type dataError interface{ ErrorData() any }

// toError converts a handler error into the error object sent to the peer.
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	out := &Error{Code: CodeApplicationError, Message: err.Error()}
	var ce codedError
	if errors.As(err, &ce) {
		out.Code = ce.ErrorCode()
	}
	var de dataError
	if errors.As(err, &de) {
		out.Data = de.ErrorData()
	}
	return out
}

// Fixed error objects used by the dispatcher. They are never handed out, so
// nothing can mutate them.
var (
	errParse          = &Error{Code: CodeParseError, Message: "Parse error"}
	errInvalidRequest = &Error{Code: CodeInvalidRequest, Message: "Invalid Request"}
	errMethodNotFound = &Error{Code: CodeMethodNotFound, Message: "Method not found"}
	errInternal       = &Error{Code: CodeInternalError, Message: "Internal error"}
	errTooLarge       = &Error{Code: CodeInvalidRequest, Message: "Invalid Request", Data: "message too large"}
	errTooDeep        = &Error{Code: CodeInvalidRequest, Message: "Invalid Request", Data: "nesting too deep"}
	errBatchTooLarge  = &Error{Code: CodeInvalidRequest, Message: "Invalid Request", Data: "batch too large"}
	errQueueFull      = &Error{Code: CodeServerBusy, Message: "server busy"}
	errTooManyCalls   = &Error{Code: CodeServerBusy, Message: "too many calls in flight"}
	errClosed         = &Error{Code: CodeServerClosed, Message: "server closed"}
	errCancelled      = &Error{Code: CodeServerClosed, Message: "connection closed"}
)

// Scanner errors. Both codecs report them; all are fatal for the stream: the
// transport closes the connection (the built-in ones first answer with a
// Parse error or Invalid Request reply).
var (
	// ErrInvalidStream means a byte that cannot start a JSON text (or a
	// malformed header) was found; the stream cannot be resynchronised.
	ErrInvalidStream = errors.New("rpc: invalid JSON stream")
	// ErrMessageTooLarge means the text exceeds Limits.MaxMessageSize.
	ErrMessageTooLarge = errors.New("rpc: message too large")
	// ErrTooDeep means the text nests deeper than Limits.MaxDepth.
	ErrTooDeep = errors.New("rpc: nesting too deep")
)

// scanErrorObject maps a scanner error to the error object of its reply.
func scanErrorObject(err error) *Error {
	switch {
	case errors.Is(err, ErrMessageTooLarge):
		return errTooLarge
	case errors.Is(err, ErrTooDeep):
		return errTooDeep
	default:
		return errParse
	}
}

package rpc

import (
	"errors"
	"expvar"
	"fmt"
	"sync/atomic"
)

// Indexes of the error counters, one per code the package answers with
// plus the application code and everything else.
const (
	ecParse = iota
	ecInvalidRequest
	ecMethodNotFound
	ecInvalidParams
	ecInternal
	ecServerBusy
	ecServerClosed
	ecApplication
	ecOther
	numErrorCounters
)

// serverStats are a Server's error counters, by code; the per-method
// counters live in each method. Atomic: any loop or worker counts.
type serverStats struct {
	errors [numErrorCounters]atomic.Uint64
}

// methodStats are one registered method's counters.
type methodStats struct {
	calls  atomic.Uint64
	errors atomic.Uint64
}

func errorCounter(code int) int {
	switch code {
	case CodeParseError:
		return ecParse
	case CodeInvalidRequest:
		return ecInvalidRequest
	case CodeMethodNotFound:
		return ecMethodNotFound
	case CodeInvalidParams:
		return ecInvalidParams
	case CodeInternalError:
		return ecInternal
	case CodeServerBusy:
		return ecServerBusy
	case CodeServerClosed:
		return ecServerClosed
	case CodeApplicationError:
		return ecApplication
	}
	return ecOther
}

// countError counts one error answer (or the error of a notification,
// which gets no answer) by its code.
func (s *Server) countError(e *Error) { s.stats.errors[errorCounter(e.Code)].Add(1) }

// countCall counts one request object at the end of its dispatch: m is
// its method (nil when none was found or the object was invalid) and e
// its error (nil on success). It does not allocate.
func (s *Server) countCall(m *method, e *Error) {
	if m != nil {
		m.stats.calls.Add(1)
		if e != nil {
			m.stats.errors.Add(1)
		}
	}
	if e != nil {
		s.countError(e)
	}
}

// ErrorCounts counts the error responses a Server produced, by code.
// Errors of notifications, which get no response, are counted too.
type ErrorCounts struct {
	ParseError     uint64 `json:"parse_error"`      // CodeParseError, -32700
	InvalidRequest uint64 `json:"invalid_request"`  // CodeInvalidRequest, -32600
	MethodNotFound uint64 `json:"method_not_found"` // CodeMethodNotFound, -32601
	InvalidParams  uint64 `json:"invalid_params"`   // CodeInvalidParams, -32602
	InternalError  uint64 `json:"internal_error"`   // CodeInternalError, -32603
	ServerBusy     uint64 `json:"server_busy"`      // CodeServerBusy, -32000
	ServerClosed   uint64 `json:"server_closed"`    // CodeServerClosed, -32001
	Application    uint64 `json:"application"`      // CodeApplicationError, 1
	Other          uint64 `json:"other"`            // any other code a handler chose
}

// Total returns the sum of all the counts.
func (e ErrorCounts) Total() uint64 {
	return e.ParseError + e.InvalidRequest + e.MethodNotFound + e.InvalidParams + e.InternalError +
		e.ServerBusy + e.ServerClosed + e.Application + e.Other
}

// ByCode returns the count for an error code; codes without a counter of
// their own all share Other.
func (e ErrorCounts) ByCode(code int) uint64 {
	return [numErrorCounters]uint64{e.ParseError, e.InvalidRequest, e.MethodNotFound, e.InvalidParams,
		e.InternalError, e.ServerBusy, e.ServerClosed, e.Application, e.Other}[errorCounter(code)]
}

// MethodStats counts the calls of one registered method.
type MethodStats struct {
	// Calls counts every request object naming the method, notifications
	// and calls refused (bad params, server busy) included.
	Calls uint64 `json:"calls"`
	// Errors counts those of Calls that ended in an error.
	Errors uint64 `json:"errors"`
}

// Stats is a snapshot of a Server's counters. Counters only grow.
type Stats struct {
	// Calls is the sum of Methods' Calls: request objects that named a
	// registered method.
	Calls uint64 `json:"calls"`
	// ErrorsTotal is Errors.Total().
	ErrorsTotal uint64 `json:"errors_total"`
	// Errors counts error responses by code, including those for texts
	// that never reached a method (parse errors, invalid requests,
	// oversized or too deep texts, unknown methods).
	Errors ErrorCounts `json:"errors"`
	// Methods has an entry for every registered method, called or not.
	Methods map[string]MethodStats `json:"methods"`
	// WebSocket counts the WebSocket transport's connections,
	// subscriptions and notifications.
	WebSocket WebSocketStats `json:"websocket"`
	// Queued is the number of blocking calls waiting for a worker.
	Queued int `json:"queued_calls"`
	// Workers is the size of the worker pool.
	Workers int `json:"workers"`
}

// Stats returns the server's counters. Safe from any goroutine once the
// methods are registered; each number is exact when read, the set is not
// one atomic snapshot.
func (s *Server) Stats() Stats {
	st := Stats{Methods: make(map[string]MethodStats, len(s.methods)), Queued: len(s.pool.queue), Workers: s.opts.Workers, WebSocket: s.ws.snapshot()}
	for name, m := range s.methods {
		ms := MethodStats{Calls: m.stats.calls.Load(), Errors: m.stats.errors.Load()}
		st.Methods[name] = ms
		st.Calls += ms.Calls
	}
	var c [numErrorCounters]uint64
	for i := range c {
		c[i] = s.stats.errors[i].Load()
	}
	st.Errors = ErrorCounts{c[ecParse], c[ecInvalidRequest], c[ecMethodNotFound], c[ecInvalidParams],
		c[ecInternal], c[ecServerBusy], c[ecServerClosed], c[ecApplication], c[ecOther]}
	st.ErrorsTotal = st.Errors.Total()
	return st
}

// ExpvarKind is the "kind" member of the JSON that PublishExpvar
// publishes, by which a reader of /debug/vars recognises an RPC server.
const ExpvarKind = "muduo-rpc"

// expvarStats is what PublishExpvar publishes: Stats plus its kind.
type expvarStats struct {
	Kind string `json:"kind"`
	Stats
}

// PublishExpvar publishes the server's Stats through expvar under name
// (conventionally "muduo_rpc"), read afresh on every read of the
// variables (e.g. GET /debug/vars). The JSON is Stats' with a "kind":
// "muduo-rpc" member added:
//
//	{"kind":"muduo-rpc","calls":N,"errors_total":N,
//	 "errors":{"parse_error":N,"invalid_request":N,"method_not_found":N,
//	           "invalid_params":N,"internal_error":N,"server_busy":N,
//	           "server_closed":N,"application":N,"other":N},
//	 "methods":{"Arith.Add":{"calls":N,"errors":N},...},
//	 "queued_calls":N,"workers":N}
//
// Call it after registering the methods. expvar names are process-wide
// and permanent: it returns an error, rather than panicking as
// expvar.Publish does, when name is taken.
func (s *Server) PublishExpvar(name string) error {
	return publishFunc(name, func() any { return expvarStats{Kind: ExpvarKind, Stats: s.Stats()} })
}

// publishFunc publishes f under name, or reports that name is taken.
func publishFunc(name string, f func() any) (err error) {
	if name == "" {
		return errors.New("rpc: empty expvar name")
	}
	if expvar.Get(name) != nil {
		return fmt.Errorf("rpc: expvar %q already published", name)
	}
	defer func() {
		if recover() != nil { // lost a race with another Publish of name
			err = fmt.Errorf("rpc: expvar %q already published", name)
		}
	}()
	expvar.Publish(name, expvar.Func(f))
	return nil
}

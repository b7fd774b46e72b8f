package http

import (
	stdhttp "net/http"
	"time"
)

// The methods net/http's ResponseController looks for on a ResponseWriter
// (Go 1.20+). FlushError is for the handler's own goroutine, like the rest
// of stdWriter; the deadline setters may be called from any goroutine (a
// timer extending a deadline, as with net/http), and a Write or Read that
// is waiting follows the new deadline.

// FlushError flushes like Flush and reports what went wrong: the client
// is gone (ErrConnClosed), the write deadline passed while waiting for a
// slow client, or the connection was hijacked.
func (s *stdWriter) FlushError() error {
	if s.hijacked.Load() {
		return stdhttp.ErrHijacked
	}
	s.commit(nil)
	s.flushed = true
	return s.w.flushUntil(&s.wdl)
}

// SetReadDeadline bounds the wait for request body bytes: once t has
// passed, a body Read that would wait fails with an error wrapping
// os.ErrDeadlineExceeded (net.Conn's rules: a later deadline makes reads
// work again); zero means none. A body that was complete when the handler
// started never waits, so the deadline does not matter to it.
func (s *stdWriter) SetReadDeadline(t time.Time) error {
	if s.hijacked.Load() {
		return stdhttp.ErrHijacked
	}
	if bs, ok := s.body.(*bodyStream); ok {
		bs.setReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline bounds how long a Write or Flush waits for a client
// that does not take the response: past t it fails with an error wrapping
// os.ErrDeadlineExceeded and the connection is closed, as net/http does
// when a write times out; zero means none. Output that fits the queue (256
// KiB beyond the socket buffer) is taken without waiting, whatever the
// deadline.
func (s *stdWriter) SetWriteDeadline(t time.Time) error {
	if s.hijacked.Load() {
		return stdhttp.ErrHijacked
	}
	s.wdl.set(t)
	return nil
}

// EnableFullDuplex reports success: the adapter always lets a handler
// read the request body while it writes the response.
func (s *stdWriter) EnableFullDuplex() error { return nil }

package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	stdhttp "net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Adapt serves a standard library http.Handler (a ServeMux with patterns,
// chi, pprof, ...) on the reactor. Each request runs the handler on a
// goroutine of its own, as net/http does, so the handler may block. The
// adapter provides what such handlers rely on:
//
//   - r.Context() is cancelled when the client disconnects;
//   - behind a Router, r.PathValue and r.Pattern report the Router's match
//     (a pattern means the same on both: see Router);
//   - r.Body streams: the handler starts when the head arrives and reads the
//     body as it comes (with backpressure on the client), and Expect:
//     100-continue is answered on the first Read, as net/http does;
//   - the ResponseWriter implements http.Flusher (chunked streaming), and
//     Content-Type is sniffed when the handler sets none;
//   - it implements http.Hijacker, so WebSocket libraries and CONNECT
//     tunnels work: the hijacked net.Conn is fed by the loop, with
//     backpressure both ways (see ResponseWriter.Hijack for the rules).
//
// Where it differs from net/http's own server: the server's Limits apply
// (request bodies over MaxBodyBytes, 8 MiB by default, are refused with
// 413 or end the body's Read with ErrBodyAborted: raise it with WithLimits
// for uploads); trailers are neither read from requests (r.Trailer stays
// nil) nor sent with responses; a write deadline (ResponseController's
// SetWriteDeadline) bounds how long a Write or Flush waits for a slow
// client, not the handler's whole run; Shutdown waits for hijacked
// connections until its context ends (see RegisterOnShutdown) instead of
// leaving them be.
//
// Cost against the native path: per request a goroutine, an *http.Request
// with its URL and Header map, a copy of the head, and the response
// buffered through a second writer - several allocations and two goroutine
// switches where the native path has none. Use it for compatibility and
// for endpoints off the hot path (pprof, admin), and native handlers for
// the hot ones.
func Adapt(h stdhttp.Handler) StreamingHandler { return &adapter{h: h} }

type adapter struct {
	h stdhttp.Handler

	// srvOnce makes the *http.Server that http.ServerContextKey holds:
	// net/http handlers look for it (httputil.ReverseProxy aborts a
	// response cut short by its backend only when it is there).
	srvOnce sync.Once
	srv     *stdhttp.Server
}

func (a *adapter) stdServer(addr string) *stdhttp.Server {
	a.srvOnce.Do(func() { a.srv = &stdhttp.Server{Addr: addr} })
	return a.srv
}

// ServeHTTP handles a request whose body the server streams (see
// StreamingHandler) or has read whole.
func (a *adapter) ServeHTTP(w *ResponseWriter, r *Request) {
	if r.stream != nil {
		a.ServeStream(w, r, r.stream)
		return
	}
	a.ServeStream(w, r, io.NopCloser(bytes.NewReader(append([]byte(nil), r.Body()...))))
}

// ServeStream converts the request and runs the handler on a goroutine.
func (a *adapter) ServeStream(w *ResponseWriter, r *Request, body io.ReadCloser) {
	req, err := toStdRequest(r, body)
	if err != nil {
		WriteError(w, StatusBadRequest)
		return
	}
	local := net.TCPAddrFromAddrPort(r.LocalAddr())
	ctx := context.WithValue(req.Context(), stdhttp.ServerContextKey, a.stdServer(local.String()))
	req = req.WithContext(context.WithValue(ctx, stdhttp.LocalAddrContextKey, local))
	w.Detach()
	go a.run(w, req, body)
}

func (a *adapter) run(w *ResponseWriter, req *stdhttp.Request, body io.ReadCloser) {
	sw := &stdWriter{w: w, hdr: make(stdhttp.Header), http10: req.ProtoMinor == 0, body: body}
	defer func() {
		if p := recover(); p != nil {
			if p != stdhttp.ErrAbortHandler {
				w.c.ls.srv.opts.logger.Error("http: adapted handler panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				w.setErr(panicError(p))
			} else {
				w.setErr(ErrResponseAborted)
			}
			if sw.hijacked.Load() {
				return // the connection is the handler's: net/http leaves it too
			}
			// As net/http: a response cut short must not look complete.
			// Nothing sent yet: a 500 (net/http would just close);
			// ErrAbortHandler, or part of the response out: the
			// connection ends after what was sent.
			if p == stdhttp.ErrAbortHandler || !w.replaceUnsent(StatusInternalServerError) {
				w.abort()
			}
			sw.committed, sw.final = true, nil // nothing of the handler's is sent or checked
		}
		_ = req.Body.Close()
		if sw.hijacked.Load() {
			return // no response: the handler took the connection
		}
		sw.commit(nil)
		if bs, ok := body.(*bodyStream); ok && bs.continuePending() {
			// The client waits for a 100 Continue it will not get, and
			// may never send the body: nothing can follow on this
			// connection (as for native handlers, see startStream).
			w.Close()
		}
		sw.checkLength()
		w.Finish()
	}()
	a.h.ServeHTTP(sw, req)
}

// toStdRequest builds the net/http view of r; everything is copied, since
// r's views die when the loop moves on.
func toStdRequest(r *Request, body io.ReadCloser) (*stdhttp.Request, error) {
	target := string(r.Target())
	var u *url.URL
	if r.IsConnect() {
		u = &url.URL{Host: target} // authority-form: as net/http has it
	} else {
		var err error
		if u, err = url.ParseRequestURI(target); err != nil {
			return nil, err
		}
	}
	major, minor := r.Proto()
	hdr := make(stdhttp.Header, r.NumHeaders())
	for i := 0; i < r.NumHeaders(); i++ {
		name, value := r.HeaderAt(i)
		hdr.Add(string(name), string(value))
	}
	req := &stdhttp.Request{
		Method:     strings.Clone(r.Method()),
		URL:        u,
		Proto:      "HTTP/" + strconv.Itoa(major) + "." + strconv.Itoa(minor),
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     hdr,
		Host:       string(r.Host()),
		RequestURI: target,
		RemoteAddr: r.RemoteAddr().String(),
		Close:      !r.KeepAlive(),
		Body:       body,
		TLS:        r.TLS(),
	}
	if cl := r.ContentLength(); cl >= 0 {
		req.ContentLength = cl
	} else if r.isChunked() {
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
	}
	// The Router's match, as ServeMux would have set it (copied: the
	// values alias the loop's input).
	req.Pattern = r.Pattern()
	r.eachPathValue(func(name, value string) { req.SetPathValue(name, strings.Clone(value)) })
	hdr.Del("Host")
	hdr.Del("Transfer-Encoding") // net/http moves it to TransferEncoding
	if req.ContentLength == 0 {
		req.Body = stdhttp.NoBody
	}
	return req.WithContext(r.Context()), nil
}

// stdWriter is the http.ResponseWriter and http.Flusher handed to adapted
// handlers; it runs on the handler's goroutine and feeds the detached
// native writer.
type stdWriter struct {
	w           *ResponseWriter
	hdr         stdhttp.Header
	status      int
	written     int64
	http10      bool // no 1xx responses to an HTTP/1.0 client (RFC 9110 15.2)
	wroteHeader bool
	committed   bool           // status and fields handed to the native writer
	final       stdhttp.Header // the fields of the final response: hdr as at WriteHeader
	flushed     bool
	hijacked    atomic.Bool   // read by the deadline setters from any goroutine
	body        io.ReadCloser // the request body, for SetReadDeadline
	wdl         deadline      // SetWriteDeadline's (any goroutine)
}

// adapterFlushAt bounds what one adapted response buffers before it is
// streamed out as a chunk.
const adapterFlushAt = 64 << 10

func (s *stdWriter) Header() stdhttp.Header { return s.hdr }

func (s *stdWriter) WriteHeader(code int) {
	if s.wroteHeader || s.hijacked.Load() {
		return
	}
	if code >= 100 && code < 200 && code != 101 { // 101 is final: Hijack sends it
		// Informational (103 Early Hints, say): sent at once with the
		// fields set so far, which stay for the final response.
		if !s.http10 {
			s.w.writeInformational(appendStdHead(nil, code, s.hdr))
		}
		return
	}
	s.wroteHeader = true
	s.status = code
	// As net/http: later changes to the header map have no effect.
	s.final = s.hdr.Clone()
}

// commit hands the status and the fields to the native writer, once: at
// the first Write (whose bytes Content-Type is sniffed from, as net/http
// does when the handler set none, even after an explicit WriteHeader), at
// Flush, or when the handler returns.
func (s *stdWriter) commit(p []byte) {
	if s.committed {
		return
	}
	s.committed = true
	if !s.wroteHeader {
		s.wroteHeader, s.status, s.final = true, StatusOK, s.hdr
	}
	if _, set := s.final["Content-Type"]; !set && len(p) > 0 && bodyAllowed(s.status) {
		s.final.Set("Content-Type", stdhttp.DetectContentType(p)) // a nil value suppresses it
	}
	h := s.w.Header()
	for name, values := range s.final {
		for _, v := range values {
			h.Add(name, v)
		}
	}
	if strings.EqualFold(s.final.Get("Connection"), "close") {
		s.w.Close()
	}
	s.w.WriteHeader(s.status)
}

func (s *stdWriter) Write(p []byte) (int, error) {
	if s.hijacked.Load() {
		return 0, stdhttp.ErrHijacked
	}
	s.commit(p)
	n, err := s.w.Write(p)
	s.written += int64(n)
	if err == nil && s.w.bufferedLen() >= adapterFlushAt {
		s.flushed = true
		err = s.w.flushUntil(&s.wdl)
	}
	return n, err
}

// checkLength ends a response whose handler declared a Content-Length and
// wrote less: like net/http, the client must see it cut short, not a
// complete response of another length.
func (s *stdWriter) checkLength() {
	cl := s.final.Get("Content-Length")
	if cl == "" || s.w.isHead || !bodyAllowed(s.status) {
		return
	}
	if n, err := strconv.ParseInt(cl, 10, 64); err == nil && s.written < n {
		s.w.abort()
	}
}

// appendStdHead appends a status line and the fields of h (sorted, as
// net/http writes them) and the blank line.
func appendStdHead(dst []byte, code int, h stdhttp.Header) []byte {
	dst = appendStatusLine(dst, code)
	var b bytes.Buffer
	_ = h.Write(&b)
	dst = append(dst, b.Bytes()...)
	return append(dst, "\r\n"...)
}

// Flush implements http.Flusher.
func (s *stdWriter) Flush() { _ = s.FlushError() }

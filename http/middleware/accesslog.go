package middleware

import (
	"context"
	"log/slog"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// RequestIDHeader is the field that carries a request's ID (RequestID sets
// it on the response; AccessLog logs it from there).
const RequestIDHeader = "X-Request-ID"

// AccessLogOption configures AccessLog.
type AccessLogOption func(*accessLog)

// AccessLogLevel sets the level of the lines for responses that ended well
// (default slog.LevelInfo); a response with an error (ResponseInfo.Err:
// client gone, write timeout, panic) is logged at AccessLogErrorLevel's level.
func AccessLogLevel(l slog.Leveler) AccessLogOption {
	return func(a *accessLog) { a.level = l }
}

// AccessLogErrorLevel sets the level of the lines for responses with an
// error (default slog.LevelWarn).
func AccessLogErrorLevel(l slog.Leveler) AccessLogOption {
	return func(a *accessLog) { a.errLevel = l }
}

// AccessLogMessage sets the message of every line (default "http").
func AccessLogMessage(msg string) AccessLogOption {
	return func(a *accessLog) { a.msg = msg }
}

type accessLog struct {
	logger          *slog.Logger
	level, errLevel slog.Leveler
	msg             string
	hook            func(*http.ResponseInfo) // made once: registering it allocates nothing
	text            *TextHandler             // the logger's handler, when it takes lines directly
}

// AccessLog logs one line per response to logger, when the response is
// finished (from the server's response-finished hook, so the status, the
// byte count and the duration are the final ones whether the handler
// answered inline, detached, on the worker pool or through http.Adapt),
// with the attributes
//
//	method, path (the request-target as sent), status, bytes (body bytes
//	sent), duration, peer (the client address, after RealIP), request_id
//	(the X-Request-ID response field, see RequestID), and error when the
//	response did not end well.
//
// The line is a slog.Record handed to the logger's handler, as
// Logger.LogAttrs makes it (without the source position, which would
// always be the access log's), and only when the logger is enabled for
// the level (checked per request, so a slog.LevelVar can turn
// it on and off at run time): a disabled access log costs one Enabled
// call. An enabled one allocates the path and peer strings and the
// attributes past slog's five inline ones; nothing per request of its
// own. When the logger's handler is a TextHandler (this package's), the
// same line is written without a Record, allocating nothing: that is the
// fast way to keep an access log. Responses the server makes itself for requests it refuses before
// any handler runs (400, 408, 413, 431) are not seen by middleware: log
// them with http.WithResponseHook.
//
// The hook runs on the connection's event loop: the logger's handler
// should not block (slog's Text and JSON handlers on a file or pipe are
// fine; a slow network sink should buffer).
func AccessLog(logger *slog.Logger, opts ...AccessLogOption) func(http.Handler) http.Handler {
	a := newAccessLog(logger, opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			if a.logger.Enabled(context.Background(), min(a.level.Level(), a.errLevel.Level())) {
				w.OnFinish(a.hook)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// AccessLogHook returns the access log as a server-wide response hook, for
// http.WithResponseHook: the same lines as AccessLog, for every response
// the server finishes, the ones it makes itself for requests it refuses
// before any handler runs included (400, 408, 413, 431; their method and
// path are empty when the request could not be parsed). Use it instead of
// the middleware, not with it, or responses are logged twice.
func AccessLogHook(logger *slog.Logger, opts ...AccessLogOption) func(*http.ResponseInfo) {
	return newAccessLog(logger, opts).hook
}

func newAccessLog(logger *slog.Logger, opts []AccessLogOption) *accessLog {
	a := &accessLog{logger: logger, level: slog.LevelInfo, errLevel: slog.LevelWarn, msg: "http"}
	for _, o := range opts {
		o(a)
	}
	if th, ok := logger.Handler().(*TextHandler); ok && th.direct {
		a.text = th
	}
	a.hook = a.log
	return a
}

func (a *accessLog) log(info *http.ResponseInfo) {
	level := a.level.Level()
	if info.Err != nil {
		level = a.errLevel.Level()
	}
	ctx := context.Background()
	h := a.logger.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	var id string
	if info.Writer != nil {
		id = info.Writer.Header().Get(RequestIDHeader)
	}
	now := info.Finished // the server's clock reading: not read again
	if now.IsZero() {
		now = time.Now()
	}
	if a.text != nil {
		a.text.writeAccess(now, level, a.msg, info, id)
		return
	}
	_ = h.Handle(ctx, a.record(now, level, info, id))
}

// record is the access-log line for info as a slog.Record.
func (a *accessLog) record(now time.Time, level slog.Level, info *http.ResponseInfo, id string) slog.Record {
	peer := ""
	if info.RemoteAddr.IsValid() {
		peer = info.RemoteAddr.String()
	}
	// The record goes to the handler directly, as LogAttrs would send it
	// but without the caller's program counter (runtime.Callers costs
	// about as much as formatting the line, and the source of an access
	// log line is always this function).
	r := slog.NewRecord(now, level, a.msg, 0)
	r.AddAttrs(
		slog.String("method", info.Method), slog.String("path", string(info.Target)),
		slog.Int("status", info.Status), slog.Int64("bytes", info.Written), slog.Duration("duration", info.Duration),
		slog.String("peer", peer), slog.String("request_id", id))
	if info.Err != nil {
		r.AddAttrs(slog.String("error", info.Err.Error()))
	}
	return r
}

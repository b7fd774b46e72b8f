package middleware

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// TextHandler is a slog.Handler that writes exactly what
// slog.NewTextHandler(w, opts) writes, and that AccessLog and
// AccessLogHook recognise: they hand it an access-log line's fields
// directly, and it appends them into a buffer it reuses, in slog's text
// format, with no slog.Record, no attribute values and no allocation - a
// few times cheaper than the same line through slog's TextHandler, which
// would otherwise be most of what an access log costs per request:
//
//	logger := slog.New(middleware.NewTextHandler(os.Stderr, nil))
//	rt.Use(middleware.AccessLog(logger), middleware.Recover(logger))
//
// Every other record, and every line when opts has a ReplaceAttr or
// AddSource (which the direct path does not apply), goes through slog's
// TextHandler. Handlers derived with WithAttrs or WithGroup are slog's
// (their lines carry the attributes), writing to the same writer. Lines
// from both paths are written with one Write call each, under one mutex,
// so they never interleave. Safe for concurrent use.
type TextHandler struct {
	text   slog.Handler // slog's, writing through out
	out    *lockedWriter
	direct bool // access-log lines may be formatted here
}

// lockedWriter serialises the writes of a TextHandler and of the slog
// handlers made from it; buf is the direct path's line, reused under mu.
type lockedWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte

	// The last line's time, formatted: lines in the same millisecond
	// (most of them, on a busy server) reuse it.
	milli int64
	loc   *time.Location
	stamp []byte
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// NewTextHandler returns a TextHandler writing to w, with the options of
// slog.NewTextHandler (nil for the defaults).
func NewTextHandler(w io.Writer, opts *slog.HandlerOptions) *TextHandler {
	out := &lockedWriter{w: w}
	direct := opts == nil || opts.ReplaceAttr == nil && !opts.AddSource
	return &TextHandler{text: slog.NewTextHandler(out, opts), out: out, direct: direct}
}

// Enabled reports whether the handler handles records at level, as slog's
// TextHandler with the same options.
func (h *TextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.text.Enabled(ctx, level)
}

// Handle writes r as slog's TextHandler does.
func (h *TextHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.text.Handle(ctx, r)
}

// WithAttrs returns slog's TextHandler with attrs added, writing to the
// same writer.
func (h *TextHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.text.WithAttrs(attrs) }

// WithGroup returns slog's TextHandler with the group opened, writing to
// the same writer.
func (h *TextHandler) WithGroup(name string) slog.Handler { return h.text.WithGroup(name) }

// writeAccess writes the access-log line for info, the line the slog path
// of accessLog.log makes (see AccessLog), at level with message msg.
func (h *TextHandler) writeAccess(now time.Time, level slog.Level, msg string, info *http.ResponseInfo, requestID string) {
	l := h.out
	l.mu.Lock()
	defer l.mu.Unlock()
	b := append(l.buf[:0], "time="...)
	if ms := now.UnixMilli(); ms != l.milli || now.Location() != l.loc || l.stamp == nil {
		l.milli, l.loc = ms, now.Location()
		l.stamp = appendTimeMillis(l.stamp[:0], now)
	}
	b = append(b, l.stamp...)
	b = append(b, " level="...)
	b = appendText(b, level.String())
	b = append(b, " msg="...)
	b = appendText(b, msg)
	b = append(b, " method="...)
	b = appendText(b, info.Method)
	b = append(b, " path="...)
	b = appendText(b, info.Target)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(info.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, info.Written, 10)
	b = append(b, " duration="...)
	b = appendDuration(b, info.Duration)
	b = append(b, " peer="...)
	if info.RemoteAddr.IsValid() {
		n := len(b)
		b = info.RemoteAddr.AppendTo(b)
		if needsQuoting(b[n:]) { // an IPv6 zone may hold anything
			b = strconv.AppendQuote(b[:n], string(b[n:]))
		}
	} else {
		b = append(b, `""`...)
	}
	b = append(b, " request_id="...)
	b = appendText(b, requestID)
	if info.Err != nil {
		b = append(b, " error="...)
		b = appendText(b, info.Err.Error())
	}
	b = append(b, '\n')
	l.buf = b
	_, _ = l.w.Write(b)
}

// appendTimeMillis appends t as slog's text handler does: RFC 3339 with
// exactly three digits of milliseconds, truncated, in t's zone. The fast
// RFC3339Nano formatting trims trailing zeros, so the time is formatted a
// tenth of a millisecond later, which makes the fourth digit non-zero,
// and that digit is then dropped.
func appendTimeMillis(b []byte, t time.Time) []byte {
	const upToMillis = len("2006-01-02T15:04:05.000")
	n := len(b)
	b = t.Truncate(time.Millisecond).Add(time.Millisecond/10).AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+upToMillis], b[n+upToMillis+1:]...)
}

// appendText appends s as slog's text handler writes a string value:
// as it is, or Go-quoted when it is empty or holds a space, '=', '"', an
// ASCII control character other than DEL, or a rune that is invalid, a
// space or not printable.
func appendText[T string | []byte](b []byte, s T) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, string(s))
	}
	return append(b, s...)
}

func needsQuoting[T string | []byte](s T) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendDuration appends d as d.String() would, without the string: the
// access log's durations are nearly always under a second, which are
// formatted here; longer ones and negative ones are rare enough to take
// String's allocation.
func appendDuration(b []byte, d time.Duration) []byte {
	switch {
	case d < 0 || d >= time.Second:
		return append(b, d.String()...)
	case d == 0:
		return append(b, "0s"...)
	case d < time.Microsecond:
		return append(strconv.AppendInt(b, int64(d), 10), "ns"...)
	case d < time.Millisecond:
		return append(appendFraction(b, uint64(d), 3), "µs"...)
	}
	return append(appendFraction(b, uint64(d), 6), "ms"...)
}

// appendFraction appends v / 10^digits as a decimal, without trailing
// zeros after the point nor the point when nothing follows it.
func appendFraction(b []byte, v uint64, digits int) []byte {
	scale := uint64(1)
	for range digits {
		scale *= 10
	}
	b = strconv.AppendUint(b, v/scale, 10)
	frac := v % scale
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		scale /= 10
	}
	b = append(b, '.')
	for scale /= 10; scale > 0; scale /= 10 {
		b = append(b, byte('0'+frac/scale%10))
	}
	return b
}

// Package httpfix holds what every HTTP peer answers, so that the peers differ
// only in their network stacks and not in the bytes they send.
package httpfix

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"
)

// Plaintext and JSON bodies of the two scenarios (TechEmpower-style).
const Plaintext = "Hello, World!"

// Message is serialised per request by the "real" servers, as TechEmpower's
// json test requires; the minimal servers send fixed bytes.
type Message struct {
	Message string `json:"message"`
}

var date atomic.Pointer[[]byte]

// StartDateClock keeps an RFC 1123 Date header value fresh once a second, so
// the hand-rolled servers pay no per-request formatting cost (fasthttp and
// net/http cache it the same way).
func StartDateClock() {
	set := func() {
		b := []byte(time.Now().UTC().Format(http.TimeFormat))
		date.Store(&b)
	}
	set()
	go func() {
		for range time.Tick(time.Second) {
			set()
		}
	}()
}

// AppendResponse appends the full fixed response for path to dst; unknown
// paths get a 404 with an empty body so load generators flag them as errors.
func AppendResponse(dst []byte, server string, path []byte) []byte {
	var ctype, body string
	switch string(path) {
	case "/plaintext":
		ctype, body = "text/plain", Plaintext
	case "/json":
		ctype, body = "application/json", `{"message":"Hello, World!"}`
	default:
		dst = append(dst, "HTTP/1.1 404 Not Found\r\nServer: "...)
		dst = append(dst, server...)
		return append(dst, "\r\nContent-Length: 0\r\n\r\n"...)
	}
	dst = append(dst, "HTTP/1.1 200 OK\r\nServer: "...)
	dst = append(dst, server...)
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, *date.Load()...)
	dst = append(dst, "\r\nContent-Type: "...)
	dst = append(dst, ctype...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = appendInt(dst, len(body))
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

var crlf2 = []byte("\r\n\r\n")

// AnswerAll is the whole job of the minimal servers (gnet-min, muduo-min):
// find every CRLFCRLF in in, take the path from the request line, append
// the fixed response to dst. It returns the responses and how many bytes of
// in they answered (the rest is a partial request).
func AnswerAll(dst []byte, server string, in []byte) (out []byte, consumed int) {
	out = dst
	for {
		i := bytes.Index(in[consumed:], crlf2)
		if i < 0 {
			return out, consumed
		}
		head := in[consumed : consumed+i]
		consumed += i + 4
		out = AppendResponse(out, server, RequestPath(head))
	}
}

// RequestPath extracts the request-target from a request head that starts
// "GET /path HTTP/1.1", for the minimal servers that parse nothing else.
func RequestPath(head []byte) []byte {
	sp := bytes.IndexByte(head, ' ')
	if sp < 0 {
		return nil
	}
	rest := head[sp+1:]
	if e := bytes.IndexByte(rest, ' '); e >= 0 {
		return rest[:e]
	}
	return nil
}

func appendInt(dst []byte, n int) []byte {
	if n >= 10 {
		dst = appendInt(dst, n/10)
	}
	return append(dst, byte('0'+n%10))
}

// Handler is the net/http-compatible handler shared by nethttp and nbhttp.
func Handler(server string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Server"] = []string{server}
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{"13"}
		_, _ = w.Write([]byte(Plaintext))
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(Message{Message: "Hello, World!"})
		h := w.Header()
		h["Server"] = []string{server}
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{itoa(len(b))}
		_, _ = w.Write(b)
	})
	return mux
}

func itoa(n int) string { return string(appendInt(nil, n)) }

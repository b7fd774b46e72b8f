package middleware

import (
	"strings"
	"testing"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// echoRequestID answers with the ID the handler reads from the request.
var echoRequestID = http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
	_, _ = w.WriteString(RequestIDFrom(r))
})

func TestRequestID(t *testing.T) {
	base := serve(t, RequestID()(echoRequestID))
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		resp, body := do(t, "GET", base+"/", nil)
		id := resp.Header.Get("X-Request-ID")
		if id == "" || id != body || seen[id] {
			t.Fatalf("generated id %q, handler read %q, seen before %v", id, body, seen[id])
		}
		seen[id] = true
	}
	for in, kept := range map[string]bool{
		"abc-123": true,
		"4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7": true,
		"has space":             false,
		"<script>":              false,
		strings.Repeat("a", 65): false,
		strings.Repeat("a", 64): true,
		"ünïcode":               false,
	} {
		resp, body := do(t, "GET", base+"/", map[string]string{"X-Request-ID": in})
		id := resp.Header.Get("X-Request-ID")
		if (id == in) != kept || id != body || id == "" {
			t.Errorf("incoming %q: id %q (handler %q), kept %v want %v", in, id, body, id == in, kept)
		}
	}
	strict := serve(t, RequestID(TrustIncomingRequestID(false))(echoRequestID))
	if resp, _ := do(t, "GET", strict+"/", map[string]string{"X-Request-ID": "abc"}); resp.Header.Get("X-Request-ID") == "abc" {
		t.Error("untrusted incoming ID kept")
	}
}

// TestRequestIDDetached: the ID outlives the handler's return.
func TestRequestIDDetached(t *testing.T) {
	h := http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		id := RequestIDFrom(r)
		d := w.Detach()
		go func() {
			_, _ = d.WriteString(id)
			d.Finish()
		}()
	})
	base := serve(t, RequestID()(h))
	resp, body := do(t, "GET", base+"/", map[string]string{"X-Request-ID": "from-client-1"})
	if body != "from-client-1" || resp.Header.Get("X-Request-ID") != "from-client-1" {
		t.Fatalf("detached: body %q header %q", body, resp.Header.Get("X-Request-ID"))
	}
}

package http

import (
	"strconv"
	"sync/atomic"
	"testing"
)

// TestStatsCountTheAskingRequest: counters are published once per loop
// iteration, yet a handler reading Stats sees its own request counted,
// whether it runs on the loop or on a goroutine a detached response was
// handed to, and a reader off the loops sees every answered request.
func TestStatsCountTheAskingRequest(t *testing.T) {
	var srv atomic.Pointer[Server] // set once started, read by the handlers
	rt := NewRouter()
	rt.GET("/onloop", func(w *ResponseWriter, _ *Request) {
		_, _ = w.WriteString(strconv.FormatUint(srv.Load().Stats().Requests, 10))
	})
	rt.GET("/detached", func(w *ResponseWriter, _ *Request) {
		w = w.Detach()
		go func() {
			_, _ = w.WriteString(strconv.FormatUint(srv.Load().Stats().Requests, 10))
			w.Finish()
		}()
	})
	s := startServer(t, rt)
	srv.Store(s)
	c := dial(t, s)
	for i := 1; i <= 40; i++ {
		path := "/onloop"
		if i%2 == 0 {
			path = "/detached"
		}
		c.send(get(path))
		if r := c.expectStatus("GET", 200); r.body != strconv.Itoa(i) {
			t.Fatalf("request %d (%s) read Requests = %s", i, path, r.body)
		}
		// Off the loop, right after the answer: already counted.
		if st := s.Stats(); st.Requests != uint64(i) || st.Responses[1] != uint64(i) {
			t.Fatalf("after answer %d: requests %d, 2xx %d", i, st.Requests, st.Responses[1])
		}
	}
}

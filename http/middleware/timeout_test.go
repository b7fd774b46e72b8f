package middleware

import (
	"context"
	"errors"
	"io"
	stdhttp "net/http"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// TestTimeout: a detached handler past its deadline: the client gets 503,
// the handler's context ends, its late writes fail and its late Finish
// changes nothing; a handler in time answers as usual.
func TestTimeout(t *testing.T) {
	lateWrite := make(chan error, 1)
	release := make(chan struct{})
	statuses := make(chan int, 4)
	h := http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		d := w.Detach()
		fast := r.PathString() == "/fast"
		go func() {
			if fast {
				_, _ = d.WriteString("in time")
				d.Finish()
				return
			}
			<-ctx.Done() // the deadline
			// DeadlineExceeded, or Canceled when the server's 503 closed
			// the connection (which cancels the request's context) before
			// the context's own timer fired: both timers are due at once.
			if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				lateWrite <- err
				return
			}
			<-release // until the client has its 503
			_, err := d.WriteString("too late")
			d.Finish()
			lateWrite <- err
		}()
	})
	base := serve(t, Timeout(50*time.Millisecond)(h), http.WithResponseHook(func(i *http.ResponseInfo) { statuses <- i.Status }))
	c := dialRaw(t, base)
	resp, body, err := c.roundTrip("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("slow: %v %q %v", resp, body, err)
	}
	close(release)
	if err := <-lateWrite; !errors.Is(err, http.ErrFinished) {
		t.Errorf("late write: %v, want ErrFinished", err)
	}
	if st := <-statuses; st != 503 {
		t.Errorf("hook status %d", st)
	}
	resp, body = do(t, "GET", base+"/fast", nil)
	if resp.StatusCode != 200 || body != "in time" {
		t.Fatalf("fast: %d %q", resp.StatusCode, body)
	}
	if st := <-statuses; st != 200 {
		t.Errorf("hook status %d", st)
	}
}

// TestTimeoutAdaptedAndWorkers: the same for a net/http handler through
// Adapt and for a blocking handler on the worker pool (both held until
// the client has its 503).
func TestTimeoutAdaptedAndWorkers(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	adapted := http.Adapt(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		<-release
		_, _ = io.WriteString(w, "too late")
	}))
	if resp, _ := do(t, "GET", serve(t, Timeout(50*time.Millisecond)(adapted))+"/", nil); resp.StatusCode != 503 {
		t.Errorf("adapted: %d", resp.StatusCode)
	}
	blocking := http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.WriteString("too late")
	})
	if resp, _ := do(t, "GET", serve(t, Timeout(50*time.Millisecond)(blocking), http.WithWorkers(2, 0))+"/", nil); resp.StatusCode != 503 {
		t.Errorf("workers: %d", resp.StatusCode)
	}
}

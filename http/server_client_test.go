package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestServerNetHTTPClient: Go's client does 200 sequential requests -
// GETs, POSTs with a length, POSTs with a streamed (chunked) body - over
// one reused connection.
func TestServerNetHTTPClient(t *testing.T) {
	rt := testRouter()
	rt.POST("/chunked", func(w *ResponseWriter, r *Request) {
		if !r.isChunked() {
			WriteError(w, StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", string(r.Header("Content-Type")))
		_, _ = w.Write(r.Body())
	})
	s := startServer(t, rt)
	tr := &nethttp.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}
	base := "http://" + s.Addr().String()
	reused := 0
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			reused++
		}
	}}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	for i := range 200 {
		var req *nethttp.Request
		var want, wantType string
		switch i % 4 {
		case 0:
			req, _ = nethttp.NewRequestWithContext(ctx, "GET", base+"/plaintext", nil)
			want, wantType = "Hello, World!", "text/plain"
		case 1:
			req, _ = nethttp.NewRequestWithContext(ctx, "GET", base+"/json", nil)
			want, wantType = `{"message":"Hello, World!"}`, "application/json"
		case 2:
			want, wantType = strings.Repeat(fmt.Sprint(i), 100+i), "application/x-test"
			req, _ = nethttp.NewRequestWithContext(ctx, "POST", base+"/echo", strings.NewReader(want))
			req.Header.Set("Content-Type", wantType)
		case 3:
			// An io.Pipe body has no length: the client sends it chunked.
			want, wantType = fmt.Sprintf("streamed-%d-%s", i, strings.Repeat("z", i)), "text/x-stream"
			pr, pw := io.Pipe()
			go func() {
				for j := 0; j < len(want); j += 7 {
					_, _ = pw.Write([]byte(want[j:min(j+7, len(want))]))
				}
				_ = pw.Close()
			}()
			req, _ = nethttp.NewRequestWithContext(ctx, "POST", base+"/chunked", pr)
			req.Header.Set("Content-Type", wantType)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(b) != want || resp.Header.Get("Content-Type") != wantType {
			t.Fatalf("request %d: %d %q %q %v", i, resp.StatusCode, b, resp.Header.Get("Content-Type"), err)
		}
	}
	if st := s.Stats(); st.Accepted != 1 || st.Requests != 200 {
		t.Fatalf("accepted %d connections for %d requests, want 1 for 200", st.Accepted, st.Requests)
	}
	if reused != 199 {
		t.Fatalf("connection reused %d times, want 199", reused)
	}
}

// TestServerCurl runs curl, where installed, against the server.
func TestServerCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but curl is not installed (.ci/run installs it)")
		}
		t.Skip("curl not installed")
	}
	s := startServer(t, testRouter())
	base := "http://" + s.Addr().String()
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(curl, append([]string{"-sS", "--max-time", "10", "--no-progress-meter"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("curl %v: %v: %s", args, err, stderr.String())
		}
		return strings.ReplaceAll(string(out), "\r\n", "\n")
	}
	if got := run("", base+"/plaintext"); got != "Hello, World!" {
		t.Fatalf("GET: %q", got)
	}
	head := run("", "-I", base+"/plaintext")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\n") || !strings.Contains(strings.ToLower(head), "\ncontent-length: 13\n") {
		t.Fatalf("HEAD: %q", head)
	}
	if got := run("", "--data-binary", "a=1&b=\t2", base+"/echo"); got != "a=1&b=\t2" {
		t.Fatalf("POST: %q", got)
	}
	body := strings.Repeat("chunky", 3000)
	if got := run(body, "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: text/x-c", "--data-binary", "@-", base+"/echo"); got != body {
		t.Fatalf("chunked POST: %d bytes", len(got))
	}
	v10 := run("", "--http1.0", "-i", base+"/json")
	if !strings.HasPrefix(v10, "HTTP/1.1 200 OK\n") || !strings.HasSuffix(v10, `{"message":"Hello, World!"}`) {
		t.Fatalf("HTTP/1.0: %q", v10)
	}
	// Several URLs on one command line share the connection.
	multi := run("", "-w", "%{num_connects}\n", base+"/plaintext", base+"/json", base+"/r/x?y")
	if multi != "Hello, World!1\n"+`{"message":"Hello, World!"}`+"0\nGET /r/x?y 0\n" {
		t.Fatalf("keep-alive: %q", multi)
	}
	if got := run("", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", base+"/echo"); got != "405" {
		t.Fatalf("PUT: %q", got)
	}
}

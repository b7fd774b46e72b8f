package http

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The net/http adapter, held to what net/http's own server does for the
// same handler and request (the differences an outside comparison found).

func TestAdapterServeMuxStreamingFlush(t *testing.T) {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	})
	mux.HandleFunc("POST /sum", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x %v", n, h.Sum(nil), err)
	})
	mux.HandleFunc("GET /stream", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "part%d;", i)
			w.(nethttp.Flusher).Flush()
		}
	})
	s := startServer(t, Adapt(mux))
	c := dial(t, s)
	c.send(get("/items/42"))
	if r := c.expectStatus("GET", 200); r.body != "item 42" {
		t.Fatalf("body %q", r.body)
	}
	body := strings.Repeat("0123456789", 300_000) // 3 MB, streamed to the handler
	c.send("POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n" + body)
	if r := c.expectStatus("POST", 200); r.body != fmt.Sprintf("3000000 %x <nil>", sha256.Sum256([]byte(body))) {
		t.Fatalf("body %q", r.body)
	}
	c.send(get("/stream"))
	if r := c.expectStatus("GET", 200); r.body != "part0;part1;part2;" || r.TransferEncoding == nil {
		t.Fatalf("body %q, transfer encoding %v", r.body, r.TransferEncoding)
	}
	c.send(get("/nowhere"))
	c.expectStatus("GET", 404) // ServeMux's own
}

// A body that goes wrong after the handler started (malformed chunk) or
// stalls past the body timeout: the handler's Read fails, its response is
// the one answer, with Connection: close, and the connection ends. A second,
// error response would be taken by a pipelining client for the answer to
// its next request.
func TestAdapterBodyErrorOneResponse(t *testing.T) {
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "n=%d err=%v", n, err)
	})
	s := startServer(t, Adapt(h), WithBodyTimeout(300*time.Millisecond))
	for name, tc := range map[string]struct{ head, rest, errPart string }{
		"bad chunk": {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "zz\r\n", "aborted"},
		"stalled":   {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello", "", "timed out"},
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, s)
			if tc.rest != "" {
				c.sendApart(s, tc.head, tc.rest) // the handler streams the body
			} else {
				c.send(tc.head)
			}
			r := c.expectStatus("POST", 200)
			if !strings.HasPrefix(r.body, "n=5 err=") || !strings.Contains(r.body, tc.errPart) || !r.Close {
				t.Fatalf("body %q close %v", r.body, r.Close)
			}
			c.expectEOF()
		})
	}
}

// A response cut short must not reach the client looking complete.
func TestAdapterAbortedResponses(t *testing.T) {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/buffered", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("boom")
	})
	mux.HandleFunc("/flushed", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		_, _ = io.WriteString(w, "partial")
		w.(nethttp.Flusher).Flush()
		panic("boom")
	})
	mux.HandleFunc("/abort", func(nethttp.ResponseWriter, *nethttp.Request) { panic(nethttp.ErrAbortHandler) })
	mux.HandleFunc("/short", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, "only eleven")
	})
	s := startServer(t, Adapt(mux))

	c := dial(t, s) // nothing sent yet: a 500 instead, and the close
	c.send(get("/buffered"))
	checkErrorResponse(t, c.read("GET"), 500)
	c.expectEOF()

	for _, path := range []string{"/flushed", "/abort", "/short"} {
		c := dial(t, s)
		c.send(get(path))
		_ = c.nc.SetReadDeadline(time.Now().Add(guard))
		raw, _ := io.ReadAll(c.br)
		resp, err := nethttp.ReadResponse(bufio.NewReader(strings.NewReader(string(raw))), nil)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
		}
		if err == nil {
			t.Fatalf("%s: the client got a complete response: %q", path, raw)
		}
	}
}

// Informational responses (103 Early Hints) go out ahead of the final one;
// WriteHeader(101) before Hijack (as coder/websocket answers the handshake)
// sends that head before the new protocol.
func TestAdapterInformationalAndSwitch(t *testing.T) {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/hints", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(103)
		w.Header().Set("X-Final", "yes")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, "done")
	})
	mux.HandleFunc("/switch", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		w.Header().Set("Upgrade", "shout")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(nethttp.StatusSwitchingProtocols)
		nc, brw, err := w.(nethttp.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack after WriteHeader(101): %v", err)
			return
		}
		defer nc.Close()
		line, _ := brw.ReadString('\n')
		_, _ = nc.Write([]byte(strings.ToUpper(line)))
	})
	s := startServer(t, Adapt(mux))
	c := dial(t, s)
	c.send(get("/hints"))
	if r := c.expectStatus("GET", 103); r.Header.Get("Link") == "" {
		t.Fatalf("103 without the Link field: %v", r.Header)
	}
	if r := c.expectStatus("GET", 201); r.body != "done" || r.Header.Get("X-Final") != "yes" || r.Header.Get("Link") == "" {
		t.Fatalf("final response %v %q", r.Header, r.body)
	}
	c.send(upgradeReq("/switch") + "hello\n")
	if r := c.expectStatus("GET", 101); r.Header.Get("Upgrade") != "shout" {
		t.Fatalf("101 head: %v", r.Header)
	}
	c.expectBytes("HELLO\n")
}

// Pipelined behind a slow response: the hijacked connection's bytes wait
// for it, and requests with unsafe methods are not run in parallel with
// others (RFC 9112 9.3.2).
func TestAdapterPipelineOrder(t *testing.T) {
	var counter atomic.Int32
	mux := nethttp.NewServeMux()
	mux.HandleFunc("GET /slow", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		time.Sleep(100 * time.Millisecond)
		_, _ = io.WriteString(w, "slow")
	})
	mux.HandleFunc("POST /inc", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		time.Sleep(100 * time.Millisecond)
		counter.Add(1)
	})
	mux.HandleFunc("GET /value", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		fmt.Fprintf(w, "value=%d", counter.Load())
	})
	mux.HandleFunc("GET /up", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		nc, _, err := w.(nethttp.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		_, _ = nc.Write([]byte(switchHead))
	})
	s := startServer(t, Adapt(mux))
	c := dial(t, s)
	c.send(post("/inc", "x") + get("/value")) // a body: the streamed path
	c.expectStatus("POST", 200)
	if r := c.expectStatus("GET", 200); r.body != "value=1" {
		t.Fatalf("GET after a pipelined POST with a body saw %q", r.body)
	}
	c.send(post("/inc", "") + get("/value"))
	c.expectStatus("POST", 200)
	if r := c.expectStatus("GET", 200); r.body != "value=2" {
		t.Fatalf("GET after a pipelined POST saw %q", r.body)
	}
	c.send(get("/slow") + upgradeReq("/up"))
	if r := c.expectStatus("GET", 200); r.body != "slow" {
		t.Fatalf("body %q", r.body)
	}
	c.expectBytes(switchHead)
}

// The request view: CONNECT's authority, context values handlers look for,
// and an Expect: 100-continue answered without reading the body ends the
// connection (the client may never send that body).
func TestAdapterRequestView(t *testing.T) {
	got := make(chan string, 4)
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		srv, _ := r.Context().Value(nethttp.ServerContextKey).(*nethttp.Server)
		la, _ := r.Context().Value(nethttp.LocalAddrContextKey).(net.Addr)
		got <- fmt.Sprintf("%s host=%q server=%v local=%v", r.Method, r.URL.Host, srv != nil, la != nil)
		if r.Method == "PUT" {
			nethttp.Error(w, "no", nethttp.StatusForbidden) // body never read
		}
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send("CONNECT backend.example:443 HTTP/1.1\r\nHost: backend.example:443\r\n\r\n")
	c.expectStatus("CONNECT", 200)
	if g := <-got; g != `CONNECT host="backend.example:443" server=true local=true` {
		t.Fatal(g)
	}
	c = dial(t, s)
	c.send("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	<-got
	if r := c.expectStatus("PUT", 403); !r.Close {
		t.Fatal("refused 100-continue request without Connection: close")
	}
	c.expectEOF()
}

// A handler streaming to a client that does not read is held to the
// client's pace: its writes block once the connection has a bounded amount
// queued, instead of the server buffering the whole response.
func TestAdapterWriteBackpressure(t *testing.T) {
	const total = 40 << 20
	var written atomic.Int64
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		chunk := make([]byte, 64<<10)
		for written.Load() < total {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send(get("/"))
	time.Sleep(time.Second) // the client reads nothing meanwhile
	// The kernel's socket buffers on both ends take a few MiB; the server
	// itself queues at most a few hundred KiB more.
	t.Logf("written after 1 s: %d KiB", written.Load()>>10)
	if n := written.Load(); n > 24<<20 {
		t.Fatalf("the handler wrote %d MiB to a client that read nothing", n>>20)
	}
	// Reading 40 MiB under -race on a loaded machine can take longer than
	// guard: the read's bound only catches a hang, so it is generous.
	_ = c.nc.SetReadDeadline(time.Now().Add(4 * guard))
	resp, err := nethttp.ReadResponse(c.br, &nethttp.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != 200 || n != total {
		t.Fatalf("status %d, body %d bytes (%v), want %d", resp.StatusCode, n, err, total)
	}
}

// A handler's Content-Length holds for a body too large to buffer (sent as
// it is flushed): no chunking, as net/http does, including a Range answer.
func TestAdapterDeclaredLengthStreamed(t *testing.T) {
	data := []byte(strings.Repeat("abcdefghijklmnop", 1<<16)) // 1 MiB
	h := nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		nethttp.ServeContent(w, r, "data.bin", time.Unix(0, 0), strings.NewReader(string(data)))
	})
	s := startServer(t, Adapt(h))
	c := dial(t, s)
	c.send(get("/"))
	r := c.expectStatus("GET", 200)
	if r.ContentLength != int64(len(data)) || r.TransferEncoding != nil || r.body != string(data) {
		t.Fatalf("Content-Length %d, Transfer-Encoding %v, %d bytes", r.ContentLength, r.TransferEncoding, len(r.body))
	}
	c.send("GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199999\r\n\r\n")
	r = c.expectStatus("GET", 206)
	if r.ContentLength != 199900 || r.TransferEncoding != nil || r.body != string(data[100:200000]) {
		t.Fatalf("206: Content-Length %d, Transfer-Encoding %v, %d bytes", r.ContentLength, r.TransferEncoding, len(r.body))
	}
	c.send(get("/")) // the connection goes on
	c.expectStatus("GET", 200)
}

// Content-Type is sniffed from the first body bytes when the handler set
// none, also after an explicit WriteHeader; a nil value suppresses it; the
// header map is fixed at WriteHeader.
func TestAdapterSniffing(t *testing.T) {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/404", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		w.WriteHeader(404)
		w.Header().Set("X-Late", "ignored")
		_, _ = io.WriteString(w, "<html><body>gone</body></html>")
	})
	mux.HandleFunc("/none", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		w.Header()["Content-Type"] = nil
		_, _ = io.WriteString(w, "<html></html>")
	})
	s := startServer(t, Adapt(mux))
	c := dial(t, s)
	c.send(get("/404") + get("/none"))
	r := c.expectStatus("GET", 404)
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || r.Header.Get("X-Late") != "" {
		t.Fatalf("after WriteHeader: Content-Type %q, X-Late %q", ct, r.Header.Get("X-Late"))
	}
	if r := c.expectStatus("GET", 200); r.Header.Get("Content-Type") != "" {
		t.Fatalf("suppressed Content-Type sent: %q", r.Header.Get("Content-Type"))
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/websocket"
)

// needTool finds an external tool: missing, the test is skipped, except
// under CI, which installs it.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%v not installed (CI installs it)", names)
	}
	t.Skipf("%v not installed", names)
	return ""
}

// TestWebSocketEcho checks the /ws/echo contract with this module's
// client: text and binary messages of several sizes come back unchanged,
// with permessage-deflate negotiated, and the close handshake completes.
func TestWebSocketEcho(t *testing.T) {
	base := start(t)
	type msg struct {
		typ  websocket.MessageType
		data []byte
	}
	got := make(chan msg, 64)
	closed := make(chan int, 1)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/echo", &websocket.DialOptions{Options: websocket.Options{
		Compression: true,
		Handler: websocket.Handler{
			OnMessage: func(_ *websocket.Conn, typ websocket.MessageType, data []byte) {
				got <- msg{typ, append([]byte(nil), data...)}
			},
			OnClose: func(_ *websocket.Conn, code int, _ string) { closed <- code },
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Compressed() {
		t.Fatal("permessage-deflate not negotiated")
	}
	var sent []msg
	for _, n := range []int{0, 5, 200, 70000} {
		p := bytes.Repeat([]byte("héllo "), n/7+1)[:n]
		p = bytes.ToValidUTF8(p, nil)
		b := bytes.Repeat([]byte{0, 0xff, 7}, n/3+1)[:n]
		_ = c.SendText(string(p))
		_ = c.SendBinary(b)
		sent = append(sent, msg{websocket.TextMessage, p}, msg{websocket.BinaryMessage, b})
	}
	for i, w := range sent {
		select {
		case m := <-got:
			if m.typ != w.typ || !bytes.Equal(m.data, w.data) {
				t.Fatalf("message %d: %v %d bytes, want %v %d bytes", i, m.typ, len(m.data), w.typ, len(w.data))
			}
		case <-time.After(guard):
			t.Fatalf("message %d not echoed", i)
		}
	}
	_ = c.Close(websocket.CloseNormal, "")
	select {
	case code := <-closed:
		if code != websocket.CloseNormal {
			t.Fatalf("close code %d", code)
		}
	case <-time.After(guard):
		t.Fatal("no close")
	}
}

const nodeEchoClient = `
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[process.argv.length - 1], { perMessageDeflate: true });
const big = 'x'.repeat(100000);
const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const want = [['text', 'hello from node'], ['binary', bin], ['text', big]];
const got = [];
ws.on('open', () => { ws.send('hello from node'); ws.send(bin); ws.send(big); });
ws.on('message', (data, isBinary) => {
  got.push([isBinary ? 'binary' : 'text', isBinary ? data : data.toString()]);
  if (got.length === want.length) {
    for (let i = 0; i < want.length; i++) {
      const [t, d] = want[i];
      const ok = got[i][0] === t && (t === 'binary' ? Buffer.compare(got[i][1], d) === 0 : got[i][1] === d);
      if (!ok) { console.log('MISMATCH ' + i); process.exit(1); }
    }
    console.log('OK ' + ws.extensions);
    ws.close(1000);
  }
});
ws.on('close', (code) => { console.log('CLOSED ' + code); });
ws.on('error', (e) => { console.log('ERROR ' + e.message); process.exit(1); });
`

// nodeModulePath returns a NODE_PATH holding the npm ws package (installed
// globally: npm install -g ws).
func nodeModulePath(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("npm", "root", "-g").Output()
	root := strings.TrimSpace(string(out))
	if err == nil {
		if _, err := os.Stat(filepath.Join(root, "ws")); err == nil {
			return root
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the npm ws package is not installed (npm install -g ws)")
	}
	t.Skip("the npm ws package is not installed (npm install -g ws)")
	return ""
}

// TestWebSocketNodeClient: the npm ws client, the most used outside
// browsers, against /ws/echo with permessage-deflate.
func TestWebSocketNodeClient(t *testing.T) {
	node := needTool(t, "node", "nodejs")
	modules := nodeModulePath(t)
	base := start(t)
	// Only a bound against a hang: node's start-up alone can take tens of
	// seconds on a loaded 2-core machine.
	ctx, cancel := context.WithTimeout(context.Background(), 2*guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", nodeEchoClient, "ws"+strings.TrimPrefix(base, "http")+"/ws/echo")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "OK permessage-deflate") || !strings.Contains(string(out), "CLOSED 1000") {
		t.Fatalf("node client:\n%s", out)
	}
}

const browserPage = `<!doctype html><meta charset="utf-8"><title>ws</title><script>
const report = (s) => fetch('/report', { method: 'POST', body: s });
const ws = new WebSocket('ws://' + location.host + '/ws/echo');
ws.binaryType = 'arraybuffer';
const bin = new Uint8Array(1000).map((_, i) => (i * 7) & 255);
const text = 'héllo wörld ✓ '.repeat(1000);
let step = 0;
ws.onopen = () => { ws.send(text); ws.send(bin); };
ws.onmessage = (e) => {
  if (step === 0) {
    if (e.data !== text) { report('FAIL text'); return; }
  } else {
    const got = new Uint8Array(e.data);
    if (got.length !== bin.length || got.some((v, i) => v !== bin[i])) { report('FAIL binary'); return; }
    report('OK ' + ws.extensions); ws.close(1000);
  }
  step++;
};
ws.onerror = () => report('FAIL error');
</script>`

// TestWebSocketChromium: headless Chromium opens /ws/echo from a page,
// sends text and binary, checks the echoes and reports to the test.
func TestWebSocketChromium(t *testing.T) {
	chromium := needTool(t, "chromium", "chromium-browser", "google-chrome")
	rt := NewRouter()
	reports := make(chan string, 1)
	rt.GET("/ws-test", func(w *http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.WriteString(browserPage)
	})
	rt.POST("/report", func(w *http.ResponseWriter, r *http.Request) {
		select {
		case reports <- string(r.Body()):
		default:
		}
	})
	srv := http.NewServer(rt, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(), fmt.Sprintf("http://%s/ws-test", srv.Addr()))
	// exec copies chromium's output from its own goroutine: the buffer
	// is read only after Wait, which orders the two.
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cancel()
			_ = cmd.Wait()
		}
	}()
	select {
	case r := <-reports:
		if r != "OK permessage-deflate; server_no_context_takeover; client_no_context_takeover" {
			t.Fatalf("browser reported %q", r)
		}
	case <-time.After(2 * guard):
		cancel()
		_ = cmd.Wait()
		waited = true
		t.Fatalf("no report from chromium:\n%s", out.String())
	}
}

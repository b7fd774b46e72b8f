//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestRollingRestart restarts both of two server processes sharing one
// port with SO_REUSEPORT, one after the other, under steady load, and
// requires that not one request fails and that every process exits 0
// promptly after SIGTERM.
//
// The load is 12 keep-alive clients (GET /plaintext back to back, every
// body checked, a new connection only after a "Connection: close"
// response) and 16 clients that open a new connection for every request,
// so connections are always being set up while listeners close. Clients
// never retry a failed request. Before its SIGTERM the old process is
// stopped for 200 ms (SIGSTOP), so that its accept queue is full of
// connections when it closes its listener.
//
// What makes it lossless:
//   - SIGTERM runs http.Server.Shutdown. tcp.Server.StopAccepting first
//     accepts what is already in the accept queue, then closes the
//     listener; then every response in progress, and the next response of
//     every keep-alive connection, carries "Connection: close", and the
//     client reconnects to a process that still listens. An idle
//     connection is not closed under a request being sent on it
//     (-drain-idle, http.WithDrainIdleGrace).
//   - Closing one listener of a SO_REUSEPORT group resets the connections
//     still in its accept queue and its half-open (SYN_RECV) requests,
//     unless net.ipv4.tcp_migrate_req=1 (Linux >= 5.14): then the kernel
//     moves them to another listener of the group. After the drain only a
//     window of microseconds is left on loopback, but on a real network a
//     handshake is half-open for a round trip. The sysctl belongs to the
//     network namespace, so the test sets it in a namespace of its own
//     (root, or an unprivileged user namespace), not on the machine.
//     Without the drain and the sysctl, the run fails with "connection
//     reset by peer"; HTTPSERVER_RESTART_NO_MIGRATE=1 runs it with the
//     sysctl at 0. When no namespace can be made and the machine's sysctl
//     is 0, the test leaves the connection-per-request clients out and
//     says so, or fails when the environment variable CI is set.
func TestRollingRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes for ~8 s")
	}
	bin := buildServer(t)
	if os.Getenv(restartInNetnsEnv) == "" && runInOwnNetns(t, bin) {
		return
	}
	migrate := enableMigrate(t)
	churners := 16
	if n, err := strconv.Atoi(os.Getenv("HTTPSERVER_RESTART_CHURN")); err == nil {
		churners = n
	}
	if !migrate && os.Getenv(restartNoMigrateEnv) == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not 1 and can not be set here (no private network namespace, or a kernel before 5.14): the connection-per-request clients would be left out", migrateSysctl)
		}
		t.Logf("%s is not 1 and can not be set here: connection-per-request clients left out", migrateSysctl)
		churners = 0
	}
	t.Logf("tcp_migrate_req=%v", migrate)

	addr := freeAddr(t)
	a := startProc(t, bin, "A", addr)
	b := startProc(t, bin, "B", addr)
	ld := startLoad(addr, 12, churners)
	defer ld.stop()
	time.Sleep(time.Second)

	roll := func(old *serverProc, name string) *serverProc {
		before := ld.closes.Load()
		// Stall the old process first, so that connections pile up in
		// its accept queue (as during a GC pause or a burst), and let
		// it see SIGTERM as it resumes.
		_ = old.cmd.Process.Signal(syscall.SIGSTOP)
		time.Sleep(200 * time.Millisecond)
		since := old.terminate(t)
		_ = old.cmd.Process.Signal(syscall.SIGCONT)
		repl := startProc(t, bin, name, addr)
		took := old.expectExit(t, since, 10*time.Second)
		t.Logf("%s exited 0 %v after SIGTERM; %s serving", old.name, took.Round(time.Millisecond), name)
		if took > 5*time.Second {
			t.Errorf("%s took %v to drain", old.name, took)
		}
		time.Sleep(time.Second)
		if ld.closes.Load() == before {
			t.Errorf("no keep-alive connection was told Connection: close while %s drained", old.name)
		}
		return repl
	}
	a2 := roll(a, "A'")
	b2 := roll(b, "B'")
	ld.stop()

	for _, p := range []*serverProc{a2, b2} {
		since := p.terminate(t)
		p.expectExit(t, since, 10*time.Second)
	}
	ok, failed := ld.ok.Load(), ld.failed.Load()
	t.Logf("requests ok=%d failed=%d keep-alive closes=%d new connections=%d", ok, failed, ld.closes.Load(), ld.dials.Load())
	for _, e := range ld.errors() {
		t.Log("failure:", e)
	}
	if failed != 0 {
		t.Fatalf("%d of %d requests failed during the rolling restart", failed, ok+failed)
	}
	if ok < 1000 {
		t.Fatalf("only %d requests in ~5 s: the load did not run", ok)
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// load is the steady client load of TestRollingRestart.
type load struct {
	addr                      string
	done                      chan struct{}
	wg                        sync.WaitGroup
	once                      sync.Once
	ok, failed, closes, dials atomic.Int64
	mu                        sync.Mutex
	errs                      []string
}

func startLoad(addr string, keepAlive, churn int) *load {
	ld := &load{addr: addr, done: make(chan struct{})}
	for i := 0; i < keepAlive+churn; i++ {
		ld.wg.Add(1)
		go ld.worker(i >= keepAlive)
	}
	return ld
}

func (ld *load) stop() {
	ld.once.Do(func() { close(ld.done) })
	ld.wg.Wait()
}

func (ld *load) fail(err error) {
	ld.failed.Add(1)
	ld.mu.Lock()
	if len(ld.errs) < 10 {
		ld.errs = append(ld.errs, err.Error())
	}
	ld.mu.Unlock()
}

func (ld *load) errors() []string {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return append([]string(nil), ld.errs...)
}

// worker sends GET /plaintext until stopped. A keep-alive worker keeps its
// connection until a response says Connection: close; a churning one asks
// for Connection: close every time. A failed request is counted, never
// retried.
func (ld *load) worker(churn bool) {
	defer ld.wg.Done()
	var nc net.Conn
	var br *bufio.Reader
	defer func() {
		if nc != nil {
			_ = nc.Close()
		}
	}()
	req := []byte("GET /plaintext HTTP/1.1\r\nHost: restart\r\n\r\n")
	if churn {
		req = []byte("GET /plaintext HTTP/1.1\r\nHost: restart\r\nConnection: close\r\n\r\n")
	}
	for {
		select {
		case <-ld.done:
			return
		default:
		}
		if nc == nil {
			c, err := net.DialTimeout("tcp", ld.addr, 5*time.Second)
			if err != nil {
				ld.fail(fmt.Errorf("dial: %w", err))
				continue
			}
			ld.dials.Add(1)
			nc, br = c, bufio.NewReader(c)
		}
		closeNow, err := roundTrip(nc, br, req)
		if err != nil {
			ld.fail(err)
			closeNow = true
		} else {
			ld.ok.Add(1)
			if closeNow && !churn {
				ld.closes.Add(1)
			}
		}
		if closeNow {
			_ = nc.Close()
			nc = nil
		}
	}
}

// roundTrip sends one request and checks its response; it reports whether
// the server said Connection: close.
func roundTrip(nc net.Conn, br *bufio.Reader, req []byte) (bool, error) {
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write(req); err != nil {
		return false, fmt.Errorf("write: %w", err)
	}
	resp, err := nethttp.ReadResponse(br, nil)
	if err != nil {
		return false, fmt.Errorf("read response: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return false, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != 200 || string(body) != "Hello, World!" {
		return false, fmt.Errorf("got %d %q", resp.StatusCode, body)
	}
	return resp.Close, nil
}

package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one example process under test.
type server struct {
	name   string
	cmd    *exec.Cmd
	pid    int
	addrs  map[string]string // "http", "tcp": listening addresses
	varsAt string            // URL base serving /debug/vars and /healthz ("" = none)
	// varsErr and healthCode: what /debug/vars and GET /healthz gave at
	// the start (README promises both on each example's HTTP address).
	varsErr    error
	healthCode int
	baseFd     map[string]int // fdKinds at the baseline
	// netpollLate: the Go runtime's netpoller fds appeared after the baseline
	netpollLate bool
	out         *logTail
	exited      chan struct{}
	state       *os.ProcessState
}

// logTail keeps the last 64 KiB of a server's stdout+stderr and remembers
// whether "panic" ever appeared (matched across write boundaries), so a
// chatty server cannot grow our memory and a panic is never missed.
type logTail struct {
	mu     sync.Mutex
	buf    []byte
	carry  []byte
	panics int
	total  int64
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total += int64(len(p))
	joined := append(l.carry, p...)
	l.panics += bytes.Count(bytes.ToLower(joined), []byte("panic")) - bytes.Count(bytes.ToLower(l.carry), []byte("panic"))
	l.carry = append(l.carry[:0], joined[max(0, len(joined)-4):]...)
	l.buf = append(l.buf, p...)
	if len(l.buf) > 64<<10 {
		l.buf = append(l.buf[:0], l.buf[len(l.buf)-48<<10:]...)
	}
	return len(p), nil
}

func (l *logTail) snapshot() (tail string, panics int, total int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf), l.panics, l.total
}

// sourceDir returns where the examples are built from: by default (ref "")
// the working tree, so that CI and a developer test what they have, not
// the last commit; with a ref, a git archive of it in a temp dir, as
// cmd/runner does, for a shared checkout that is mid-edit.
func sourceDir(ref string) (string, error) {
	if ref == "" {
		dir, err := filepath.Abs("..")
		if err != nil {
			return "", err
		}
		logf("building examples from the working tree %s (uncommitted changes included)", dir)
		return "..", nil
	}
	rev, err := exec.Command("git", "-C", "..", "rev-parse", "--short", ref).Output()
	if err != nil {
		return "", fmt.Errorf("-ref %q: %v", ref, err)
	}
	sha := strings.TrimSpace(string(rev))
	dir := filepath.Join(os.TempDir(), "muduo-go-src-"+sha)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		tmp, err := os.MkdirTemp(os.TempDir(), "muduo-go-src-tmp-")
		if err != nil {
			return "", err
		}
		cmd := exec.Command("sh", "-c", "git -C .. archive "+sha+" | tar -x -C "+tmp)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("extracting %s: %v: %s", ref, err, b)
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp) // another run extracted it first
		}
	}
	logf("building examples from %s at %s (%s)", ref, sha, dir)
	return dir, nil
}

func buildExample(src, pkg, name string) (string, error) {
	bin, err := filepath.Abs(filepath.Join("bin", name))
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-C", src, "-o", bin, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s", pkg, err, b)
	}
	return bin, nil
}

// freePort returns a loopback address nobody listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startServer runs bin with args and waits until every address accepts.
func startServer(name, bin string, args []string, addrs map[string]string) (*server, error) {
	s := &server{name: name, addrs: addrs, out: &logTail{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = s.cmd.Process.Pid
	go func() { _ = s.cmd.Wait(); s.state = s.cmd.ProcessState; close(s.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for _, a := range addrs {
		for {
			if !s.alive() {
				t, _, _ := s.out.snapshot()
				return nil, fmt.Errorf("%s exited at start: %s", name, tail(t, 400))
			}
			if c, err := net.DialTimeout("tcp", a, 200*time.Millisecond); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				s.stop(time.Second)
				return nil, fmt.Errorf("%s did not listen on %s within 10s", name, a)
			}
			time.Sleep(30 * time.Millisecond)
		}
	}
	return s, nil
}

func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits up to grace for a drain, then SIGKILLs. It
// reports whether the server exited on its own with status 0.
func (s *server) stop(grace time.Duration) bool {
	if !s.alive() {
		return false
	}
	_ = syscall.Kill(s.pid, syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.state != nil && s.state.Success()
	case <-time.After(grace):
		_ = syscall.Kill(s.pid, syscall.SIGKILL)
		<-s.exited
		return false
	}
}

// procSample is what /proc says about a process.
type procSample struct {
	rssKiB  int64
	fds     int
	threads int
}

func readProc(pid int) (procSample, error) {
	var ps procSample
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			ps.rssKiB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		} else if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			ps.threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	f.Close()
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	ps.fds = len(es)
	return ps, err
}

// fdKinds counts a process's descriptors by what they point to, with
// socket:[inode] and the like folded into their kind ("socket").
func fdKinds(pid int) map[string]int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	es, _ := os.ReadDir(dir)
	m := map[string]int{}
	for _, e := range es {
		t, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if i := strings.Index(t, ":["); i > 0 && t[i+2] >= '0' && t[i+2] <= '9' {
			t = t[:i] // socket:[inode], pipe:[inode]
		}
		m[t]++
	}
	return m
}

// fdDiff describes what changed between two fdKinds.
func fdDiff(a, b map[string]int) string {
	var parts []string
	for k, n := range b {
		if n != a[k] {
			parts = append(parts, fmt.Sprintf("%s %d->%d", k, a[k], n))
		}
	}
	for k, n := range a {
		if _, ok := b[k]; !ok {
			parts = append(parts, fmt.Sprintf("%s %d->0", k, n))
		}
	}
	return strings.Join(parts, ", ")
}

// fdLimit is the server's soft RLIMIT_NOFILE from /proc/PID/limits.
func fdLimit(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil {
					return n
				}
			}
		}
	}
	return 1024
}

// debugClient fetches /debug/vars and /healthz: one connection per fetch
// (no keep-alive), so the sampler holds no server fd between samples.
var debugClient = &http.Client{
	Timeout: 2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true,
		// The HTTPS example's certificate is ephemeral and self-signed.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
}

// debugVars fetches /debug/vars and flattens numeric leaves ("a.b" keys).
func debugVars(base string) (map[string]float64, error) {
	resp, err := debugClient.Get(base + "/debug/vars")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET /debug/vars: %s", resp.Status)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("GET /debug/vars: %v", err)
	}
	out := map[string]float64{}
	flatten("", v, out)
	if _, ok := out["goroutines"]; !ok {
		return out, fmt.Errorf("GET /debug/vars: no \"goroutines\"")
	}
	return out, nil
}

func flatten(prefix string, v any, out map[string]float64) {
	switch t := v.(type) {
	case float64:
		out[prefix] = t
	case map[string]any:
		if prefix == "memstats" { // runtime's own block: keep only a few
			for _, k := range []string{"HeapAlloc", "HeapInuse", "Sys", "NumGC"} {
				if f, ok := t[k].(float64); ok {
					out["memstats."+k] = f
				}
			}
			return
		}
		for k, e := range t {
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(k, e, out)
		}
	}
}

// healthz reports the status of GET /healthz (0 when unreachable).
func healthz(base string) int {
	resp, err := debugClient.Get(base + "/healthz")
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode
}

// raiseNofile lifts our soft RLIMIT_NOFILE to the hard limit (the flood and
// the servers, which inherit it, need the room).
func raiseNofile() int {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil && r.Cur < r.Max {
		r.Cur = r.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	return int(r.Cur)
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
}

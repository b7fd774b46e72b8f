//go:build linux

package tcp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// emfileChildEnv, when set, makes the test binary run emfileChild instead
// of the tests: an echo server with RLIMIT_NOFILE lowered to 64 that prints
// its address and serves until its standard input closes.
const emfileChildEnv = "MUDUO_TCP_EMFILE_CHILD"

const emfileLimit = 64

func emfileChild() int {
	// The Go runtime creates its netpoller lazily, on the first timer; with
	// every fd taken by connections it could not, and would abort.
	time.Sleep(time.Millisecond)
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "getrlimit:", err)
		return 1
	}
	lim.Cur = emfileLimit
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 1
	}
	s, err := NewServer("127.0.0.1:0", WithLogger(quietLogger))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s.SetMessageCallback(echoMessage)
	if err := s.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(s.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Close()
	return 0
}

// cpuTime returns the user+system CPU time of process pid.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the ")" closing the command name: state is field 3, so
	// utime (14) and stime (15) are at indices 11 and 12.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("parse /proc/%d/stat: %q", pid, b)
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clkTck
}

// TestAcceptEMFILE runs a server whose process may open 64 fds, opens more
// connections than that, and checks that the server does not spin while it
// is out of fds and serves again once the connections are gone.
func TestAcceptEMFILE(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	addr := strings.TrimSpace(line)

	// Overload: three times the limit. The kernel completes every handshake
	// (the backlog is large); the server can accept only some of them.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range 3 * emfileLimit {
		c, err := net.DialTimeout("tcp", addr, guard)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
	}
	time.Sleep(100 * time.Millisecond) // let the acceptor reach EMFILE
	before := cpuTime(t, cmd.Process.Pid)
	time.Sleep(time.Second)
	used := cpuTime(t, cmd.Process.Pid) - before
	t.Logf("server CPU over 1 s out of fds: %v", used)
	if used > 500*time.Millisecond {
		t.Fatalf("server used %v of CPU in 1 s while out of fds: it spins", used)
	}
	// Connections shed with the spare fd see a close rather than a hang.
	shed := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			shed++
		}
	}
	t.Logf("%d of %d connections shed while out of fds", shed, len(conns))

	for _, c := range conns {
		_ = c.Close()
	}
	conns = nil

	// Serving again: the acceptor looks again after its backoff (at most a
	// second). A connection still shed while old ones drain is retried.
	deadline := time.Now().Add(guard)
	for {
		if err := echoOnce(addr); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("server does not serve after the overload: %v", err)
		}
	}
	_ = stdin.Close()
	exited = true
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
}

func echoOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, guard)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(guard))
	if _, err := c.Write([]byte("hello")); err != nil {
		return err
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if string(got) != "hello" {
		return fmt.Errorf("echo %q", got)
	}
	return nil
}

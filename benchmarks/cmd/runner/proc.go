package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Protocol constants: server on CPU 0, load on CPU 1, one P each.
const (
	serverCPU = "0"
	loadCPU   = "1"
	clkTck    = 100 // USER_HZ; /proc/PID/stat times are in these ticks on Linux
)

// Ports for the servers: a range of its own, started at a point that
// depends on the runner's pid, so two runs started seconds apart do not
// walk the same ports.
const portLo, portHi = 21000, 30000

var nextPort = portLo + os.Getpid()%(portHi-portLo)

// freshAddr hands out a new port per server start so a previous run's
// TIME_WAIT sockets or a slow-dying server never collide with the next. A
// port something still listens on (a server of an earlier run that is
// still exiting) is skipped.
func freshAddr() string {
	for range portHi - portLo {
		nextPort++
		if nextPort > portHi {
			nextPort = portLo + 1
		}
		addr := fmt.Sprintf("127.0.0.1:%d", nextPort)
		if ln, err := net.Listen("tcp", addr); err == nil {
			_ = ln.Close()
			return addr
		}
	}
	return fmt.Sprintf("127.0.0.1:%d", nextPort) // every port busy: let the start report it
}

type server struct {
	cmd  *exec.Cmd
	pid  int
	addr string
	name string
	errb bytes.Buffer
	// exited closes when the process is reaped (by the goroutine that Waits).
	exited chan struct{}
}

// startServer runs bin pinned to CPU 0 with GOMAXPROCS=1 and waits until it
// accepts connections.
func startServer(t builtTarget, addr string) (*server, error) {
	args := append([]string{"-c", serverCPU, t.bin}, t.args(addr)...)
	s := &server{addr: addr, name: t.name}
	s.cmd = exec.Command("taskset", args...)
	s.cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	s.cmd.Stdout = &s.errb
	s.cmd.Stderr = &s.errb
	// Die with the runner, so an interrupted run leaves no server behind.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = s.cmd.Process.Pid // taskset execs the server, so this is its pid
	s.exited = make(chan struct{})
	exited := s.exited
	go func() { _ = s.cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited at start: %s", t.name, tail(s.errb.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not listen on %s within 10s: %s", t.name, addr, tail(s.errb.String()))
}

// stop sends SIGTERM, then SIGKILL if the server is still alive after 2s.
func (s *server) stop() {
	_ = syscall.Kill(s.pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(2 * time.Second):
		_ = syscall.Kill(s.pid, syscall.SIGKILL)
		<-s.exited
	}
}

// alive reports whether the server is still running (a crash mid-run must
// not be reported as a result).
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		s = "..." + s[len(s)-300:]
	}
	return s
}

// cpuTicks returns utime+stime of the whole process (all threads).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// comm (field 2) may contain spaces; fields after the last ')' are fixed.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return ut + st, nil
}

// usPerOp converts a tick delta over n operations to microseconds each.
func usPerOp(ticks, n int64) float64 {
	if n <= 0 {
		return 0
	}
	return float64(ticks) * 1e6 / clkTck / float64(n)
}

// rssKiB reads VmRSS from /proc/PID/status.
func rssKiB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// fdCount is how many descriptors the server holds: used to wait until it has
// accepted every idle connection before reading its RSS.
func fdCount(pid int) int {
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(es)
}

// raiseNofile lifts our soft RLIMIT_NOFILE to the hard limit; servers, wrk
// and load generators inherit it (the 1000-connection and idle runs need it).
func raiseNofile() uint64 {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil && r.Cur < r.Max {
		r.Cur = r.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	return r.Cur
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
}

func fatalf(format string, a ...any) {
	logf(format, a...)
	os.Exit(1)
}

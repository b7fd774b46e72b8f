package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Syscalls are counted in a separate, shorter run per server, never in the
// timed rounds: tracing adds cost to every syscall. perf's syscall
// tracepoints are preferred (in-kernel counters, small overhead); strace -c
// (ptrace, which stops the server on every syscall) is the fallback for
// kernels or containers where the tracepoints are missing.

// perfEvents: raw_syscalls:sys_enter is the total; the named ones give the
// breakdown printed next to it. Missing tracepoints are dropped at start.
var perfBreakdown = []string{
	"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "accept4", "close",
	"futex", "nanosleep", "sched_yield", "tgkill", "rt_sigreturn", "madvise", "mmap",
	"getsockopt", "setsockopt",
}

var syscallMethod string // "perf", "strace" or "" (none works)

// ctxSwitches is the key under which perf's context-switches count (every
// thread of the server, switched out voluntarily or not) joins the
// syscall counts. A loop that the Go runtime keeps preempting shows here
// first: at 1,000 HTTP connections muduo-go's loop thread was switched out
// 15,000 times in 4 s by sysmon wake-ups until the loop began to yield to
// the scheduler, with the same syscalls per request throughout.
const ctxSwitches = "(context switches)"

// detectSyscallMethod tries perf on a trivial command and falls back to strace.
func detectSyscallMethod() string {
	out, err := exec.Command("perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true").CombinedOutput()
	if err == nil {
		if n, ok := parsePerf(string(out))["total"]; ok && n > 0 {
			return "perf"
		}
	}
	if exec.Command("strace", "-c", "-o", "/dev/null", "true").Run() == nil {
		return "strace"
	}
	return ""
}

// sysCount is a running perf/strace attached to a server.
type sysCount struct {
	cmd  *exec.Cmd
	out  string
	kind string
}

// startSysCount attaches to pid. It waits briefly so the tracer is attached
// before the caller starts the load whose requests it divides by.
func startSysCount(pid int) (*sysCount, error) {
	f, err := os.CreateTemp("", "syscalls-*.txt")
	if err != nil {
		return nil, err
	}
	f.Close()
	sc := &sysCount{out: f.Name(), kind: syscallMethod}
	p := strconv.Itoa(pid)
	switch syscallMethod {
	case "perf":
		ev := []string{"raw_syscalls:sys_enter", "context-switches"}
		for _, s := range perfBreakdown {
			if _, err := os.Stat(filepath.Join("/sys/kernel/tracing/events/syscalls", "sys_enter_"+s)); err == nil {
				ev = append(ev, "syscalls:sys_enter_"+s)
			}
		}
		sc.cmd = exec.Command("perf", "stat", "-x,", "-o", sc.out, "-e", strings.Join(ev, ","), "-p", p)
	case "strace":
		// -f with -p attaches to every thread of the process.
		sc.cmd = exec.Command("strace", "-c", "-f", "-o", sc.out, "-p", p)
	default:
		return nil, fmt.Errorf("neither perf nor strace can count syscalls here")
	}
	sc.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := sc.cmd.Start(); err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	return sc, nil
}

// stop detaches (SIGINT makes both tools print their summary) and returns
// counts by syscall name plus "total".
func (sc *sysCount) stop() (map[string]int64, error) {
	_ = sc.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- sc.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = sc.cmd.Process.Kill()
		<-done
	}
	b, err := os.ReadFile(sc.out)
	os.Remove(sc.out)
	if err != nil {
		return nil, err
	}
	var m map[string]int64
	if sc.kind == "perf" {
		m = parsePerf(string(b))
	} else {
		m = parseStrace(string(b))
	}
	if m["total"] == 0 {
		return nil, fmt.Errorf("%s counted nothing: %s", sc.kind, tail(string(b)))
	}
	return m, nil
}

// parsePerf reads `perf stat -x,` lines: count,unit,event,...
func parsePerf(s string) map[string]int64 {
	m := map[string]int64{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue // "<not counted>" / "<not supported>"
		}
		switch ev := f[2]; {
		case ev == "raw_syscalls:sys_enter":
			m["total"] = n
		case ev == "context-switches" || ev == "cs":
			m[ctxSwitches] = n
		case strings.HasPrefix(ev, "syscalls:sys_enter_"):
			m[strings.TrimPrefix(ev, "syscalls:sys_enter_")] = n
		}
	}
	return m
}

// parseStrace reads the strace -c table; calls is the 4th column and the
// syscall name the last.
func parseStrace(s string) map[string]int64 {
	m := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		if _, err := strconv.ParseFloat(f[0], 64); err != nil {
			continue // header or separator
		}
		n, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			continue
		}
		m[f[len(f)-1]] = n
	}
	return m
}

// perOp formats total/op and the largest contributors, e.g.
// "2.02" and "read 1.00, write 1.00, epoll_pwait 0.02".
func perOp(m map[string]int64, ops int64) (total float64, top string) {
	if ops <= 0 || m == nil {
		return 0, ""
	}
	type kv struct {
		k string
		v int64
	}
	var kvs []kv
	for k, v := range m {
		if k != "total" && k != ctxSwitches && v > 0 {
			kvs = append(kvs, kv{k, v})
		}
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	var parts []string
	for i, e := range kvs {
		r := float64(e.v) / float64(ops)
		if i == 4 || r < 0.01 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", e.k, r))
	}
	return float64(m["total"]) / float64(ops), strings.Join(parts, ", ")
}

// switchesPerOp is the server's context switches per operation, from the
// same counting run as the syscalls (0: not counted, e.g. under strace).
func switchesPerOp(m map[string]int64, ops int64) float64 {
	if ops <= 0 || m == nil {
		return 0
	}
	return float64(m[ctxSwitches]) / float64(ops)
}

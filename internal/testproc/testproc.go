// Package testproc runs a test binary again as a child process that plays
// an example command, so that tests can check the command from outside:
// the addresses it announces in its log, and how it exits on a signal.
//
// Only tests import it.
package testproc

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// RunIfChild runs main as the command called name, and then exits 0, when
// the environment variable env is set; its value, split into fields, is the
// command's arguments. Otherwise it returns at once. Call it first in
// TestMain, with the env given to Start.
func RunIfChild(env, name string, main func()) {
	args := os.Getenv(env)
	if args == "" {
		return
	}
	os.Args = append([]string{name}, strings.Fields(args)...)
	main()
	os.Exit(0)
}

// addrRE finds an address in a log line: the value of an "addr=" field.
var addrRE = regexp.MustCompile(`addr=(\S+)`)

// Proc is a running child started by Start.
type Proc struct {
	// Cmd is the child's command, started.
	Cmd *exec.Cmd

	addrs  chan string // the addresses in the child's log; closed at its end
	logs   chan string // every line of the child's log; closed at its end
	done   chan error  // cmd.Wait's result, once waiting has begun
	exited bool        // Wait has seen the child exit
}

// Start runs this test binary again, running no tests, with env set to
// args, as a child whose standard error (its log) Proc reads for the
// addresses it announces. It skips the test when the binary cannot be
// found and fails it when the child does not start. A cleanup kills the
// child if the test ends before the child has exited, and reaps it.
func Start(t testing.TB, env, args string) *Proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+args)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Cmd: cmd, addrs: make(chan string, 8), logs: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case p.logs <- sc.Text():
			default: // a log nobody reads
			}
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case p.addrs <- m[1]:
				default: // more addresses than anyone reads
				}
			}
		}
		close(p.addrs)
		close(p.logs)
	}()
	t.Cleanup(func() {
		if !p.exited {
			_ = cmd.Process.Kill()
			<-p.wait()
		}
	})
	return p
}

// wait starts waiting for the child, once, and returns the channel that
// delivers the result.
func (p *Proc) wait() chan error {
	if p.done == nil {
		p.done = make(chan error, 1)
		go func() { p.done <- p.Cmd.Wait() }()
	}
	return p.done
}

// Addr returns the next address the child announced in an "addr=" field
// of its log, in the order announced. It waits at most within (forever if
// within is 0) and reports false when none came in time or the log ended.
func (p *Proc) Addr(within time.Duration) (string, bool) {
	var timeout <-chan time.Time
	if within > 0 {
		timer := time.NewTimer(within)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case addr, ok := <-p.addrs:
		return addr, ok
	case <-timeout:
		return "", false
	}
}

// Signal sends sig to the child and fails the test if it cannot be sent.
func (p *Proc) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// Wait waits at most within for the child to exit. It reports whether the
// child exited in time and, if so, how (nil for exit status 0).
func (p *Proc) Wait(within time.Duration) (exited bool, err error) {
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case err := <-p.wait():
		p.exited = true
		return true, err
	case <-timer.C:
		return false, nil
	}
}

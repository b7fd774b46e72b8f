package testproc

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// WaitLog returns the next line of the child's log (its standard error)
// that contains substr, skipping the lines before it. It waits at most
// within and reports false when no such line came in time or the log
// ended.
func (p *Proc) WaitLog(substr string, within time.Duration) (string, bool) {
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-p.logs:
			if !ok {
				return "", false
			}
			if strings.Contains(line, substr) {
				return line, true
			}
		case <-timer.C:
			return "", false
		}
	}
}

// Run runs this test binary again as the command (see RunIfChild) with env
// set to args, and returns what it wrote to standard output and standard
// error, interleaved, and how it exited (nil for status 0). A command
// still running after within is killed and fails the test.
func Run(t testing.TB, env, args string, within time.Duration) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+args)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s still running after %v; its output:\n%s", args, within, out.String())
		return "", nil
	}
}

//go:build linux

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Helpers of TestRollingRestart: the server processes it runs, and the
// private network namespace it runs them in.

const (
	// restartInNetnsEnv marks the copy of the test binary that runs
	// TestRollingRestart inside its own network namespace.
	restartInNetnsEnv = "HTTPSERVER_RESTART_IN_NETNS"
	// restartBinEnv passes the built server binary to that copy.
	restartBinEnv = "HTTPSERVER_RESTART_BIN"
	migrateSysctl = "/proc/sys/net/ipv4/tcp_migrate_req"
	// restartNoMigrateEnv=1 leaves tcp_migrate_req at 0 in the private
	// namespace but keeps the connection-per-request clients, to see what
	// the server's accept-queue drain does on its own.
	restartNoMigrateEnv = "HTTPSERVER_RESTART_NO_MIGRATE"
)

// buildServer builds this example with go build into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(restartBinEnv); p != "" {
		return p
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but there is no go command to build the server with")
		}
		t.Skip("no go command to build the server with")
	}
	bin := filepath.Join(t.TempDir(), "httpserver")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runInOwnNetns re-runs TestRollingRestart in a copy of the test binary in
// a new network namespace (and a new user namespace when not root), where
// tcp_migrate_req can be set without touching the machine's own setting.
// It reports false when no namespace could be created.
func runInOwnNetns(t *testing.T, bin string) bool {
	t.Helper()
	args := []string{"-test.run=^TestRollingRestart$", "-test.count=1", "-test.v", "-test.timeout=2m"}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), restartInNetnsEnv+"=1", restartBinEnv+"="+bin)
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if os.Getuid() != 0 {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	cmd.SysProcAttr = attr
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Logf("no private network namespace (%v): running in this one", err)
		return false
	}
	err := cmd.Wait()
	t.Logf("in a private network namespace:\n%s", out.String())
	if err != nil {
		t.Fatalf("rolling restart in a private network namespace: %v", err)
	}
	if !strings.Contains(out.String(), "--- PASS: TestRollingRestart") {
		t.Fatal("the namespaced run did not pass TestRollingRestart")
	}
	return true
}

// enableMigrate makes sure tcp_migrate_req is 1 and reports whether it is.
// In the private namespace it brings loopback up and sets the sysctl;
// elsewhere it only reads it (it is the machine's, shared with others).
func enableMigrate(t *testing.T) bool {
	t.Helper()
	if os.Getenv(restartInNetnsEnv) != "" {
		if err := loopbackUp(); err != nil {
			t.Fatalf("bring lo up: %v", err)
		}
		v := "1\n"
		if os.Getenv(restartNoMigrateEnv) != "" {
			v = "0\n" // show what the sysctl prevents
		}
		if err := os.WriteFile(migrateSysctl, []byte(v), 0o644); err != nil {
			t.Logf("set %s: %v", migrateSysctl, err)
		}
	}
	b, err := os.ReadFile(migrateSysctl)
	return err == nil && strings.TrimSpace(string(b)) == "1"
}

// loopbackUp sets IFF_UP on lo (a new network namespace starts with it
// down).
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// serverProc is one running server process.
type serverProc struct {
	name      string
	cmd       *exec.Cmd
	addr      string
	listening chan struct{}
	exited    chan struct{}
	waitErr   error
	mu        sync.Mutex
	log       bytes.Buffer
}

var listeningRE = regexp.MustCompile(`listening addr=(\S+)`)

// startProc starts the server on addr with -reuseport and waits until it
// accepts connections (its "listening" line is printed after the listener
// is up).
func startProc(t *testing.T, bin, name, addr string) *serverProc {
	t.Helper()
	p := &serverProc{name: name, listening: make(chan struct{}), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "-addr", addr, "-reuseport", "-loops", "0")
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Every server shares CPU 0: each is off the CPU now and then while
	// connections queue up in its backlog, as on a busy machine, so a
	// listener that closes has connections in its accept queue.
	var cpu0 unix.CPUSet
	cpu0.Set(0)
	_ = unix.SchedSetaffinity(p.cmd.Process.Pid, &cpu0)
	go func() {
		sc := bufio.NewScanner(stderr)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil && !seen {
				seen = true
				p.addr = m[1]
				close(p.listening)
			}
		}
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case <-p.listening:
	case <-p.exited:
		t.Fatalf("%s exited before listening: %v\n%s", name, p.waitErr, p.output())
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not listening after 10s\n%s", name, p.output())
	}
	return p
}

func (p *serverProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// terminate sends SIGTERM without waiting.
func (p *serverProc) terminate(t *testing.T) time.Time {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", p.name, err)
	}
	return time.Now()
}

// expectExit waits (bounded) for the process to exit 0 and returns how
// long it took since since.
func (p *serverProc) expectExit(t *testing.T, since time.Time, within time.Duration) time.Duration {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(within):
		t.Fatalf("%s still running %v after SIGTERM\n%s", p.name, within, p.output())
	}
	took := time.Since(since)
	if p.waitErr != nil {
		t.Fatalf("%s exited with %v after SIGTERM\n%s", p.name, p.waitErr, p.output())
	}
	return took
}

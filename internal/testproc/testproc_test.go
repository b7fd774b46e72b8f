package testproc

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

const childEnv = "TESTPROC_TEST_CHILD"

func TestMain(m *testing.M) {
	RunIfChild(childEnv, "child", child)
	os.Exit(m.Run())
}

// child announces the addresses given as arguments, one log line each,
// then waits for SIGTERM and exits 0, or exits 3 at once if an argument is
// "fail", or never exits by itself if one is "hang".
func child() {
	if os.Args[0] != "child" {
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	hang := false
	for _, a := range os.Args[1:] {
		switch a {
		case "fail":
			os.Exit(3)
		case "hang":
			signal.Ignore(syscall.SIGTERM)
			hang = true
		default:
			fmt.Fprintf(os.Stderr, "level=INFO msg=listening addr=%s\n", a)
		}
	}
	if hang {
		time.Sleep(time.Hour)
	}
	<-sigs
}

func TestAddrsSignalWait(t *testing.T) {
	p := Start(t, childEnv, "127.0.0.1:1 127.0.0.1:2")
	for _, want := range []string{"127.0.0.1:1", "127.0.0.1:2"} {
		if addr, ok := p.Addr(10 * time.Second); !ok || addr != want {
			t.Fatalf("Addr = %q %v, want %q", addr, ok, want)
		}
	}
	if addr, ok := p.Addr(10 * time.Millisecond); ok {
		t.Fatalf("a third address %q", addr)
	}
	p.Signal(t, syscall.SIGTERM)
	if exited, err := p.Wait(10 * time.Second); !exited || err != nil {
		t.Fatalf("Wait = %v %v, want an exit 0", exited, err)
	}
	if _, ok := p.Addr(0); ok {
		t.Fatal("an address after the log ended")
	}
}

func TestExitStatus(t *testing.T) {
	p := Start(t, childEnv, "fail")
	exited, err := p.Wait(10 * time.Second)
	if !exited || err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Wait = %v %v, want exit status 3", exited, err)
	}
}

// A child still running when the test ends is killed by the cleanup.
func TestCleanupKills(t *testing.T) {
	var p *Proc
	t.Run("hang", func(t *testing.T) {
		p = Start(t, childEnv, "hang 127.0.0.1:1")
		if _, ok := p.Addr(10 * time.Second); !ok {
			t.Fatal("no address")
		}
		p.Signal(t, syscall.SIGTERM)
		if exited, _ := p.Wait(50 * time.Millisecond); exited {
			t.Fatal("exited although SIGTERM is ignored")
		}
	})
	if p.Cmd.ProcessState == nil || p.Cmd.ProcessState.Success() {
		t.Fatalf("after the cleanup: %v, want killed and reaped", p.Cmd.ProcessState)
	}
}

func TestRunIfChildReturnsWithoutEnv(t *testing.T) {
	t.Setenv(childEnv, "")
	ran := false
	RunIfChild(childEnv, "x", func() { ran = true })
	if ran {
		t.Fatal("main ran without the variable")
	}
}

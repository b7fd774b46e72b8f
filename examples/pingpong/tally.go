package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// connectTally counts how the client's connections came out: up, or
// failed with an error. settled is closed once every one has an outcome.
type connectTally struct {
	total   int
	settled chan struct{}

	mu     sync.Mutex
	nUp    int
	errors map[string]int // failure message -> how many connections
}

func newConnectTally(total int) *connectTally {
	return &connectTally{total: total, settled: make(chan struct{}), errors: map[string]int{}}
}

// up records a connection that came up (on its loop).
func (t *connectTally) up() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nUp++
	t.check()
}

// failed records a connection whose connect failed (on its loop): the
// client does not retry, so this is its outcome.
func (t *connectTally) failed(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errors[err.Error()]++
	t.check()
}

func (t *connectTally) check() {
	n := t.nUp
	for _, k := range t.errors {
		n += k
	}
	if n == t.total {
		close(t.settled)
	}
}

// verdict is nil when every connection is up; otherwise an error saying
// how many are up, how many failed and why, and how many were still
// connecting when the wait (timeout) ended.
func (t *connectTally) verdict(timeout time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nUp == t.total {
		return nil
	}
	failed := 0
	var why []string
	for msg, k := range t.errors {
		failed += k
		why = append(why, fmt.Sprintf("%d: %s", k, msg))
	}
	sort.Strings(why)
	msg := fmt.Sprintf("pingpong: %d of %d connections up", t.nUp, t.total)
	if failed > 0 {
		msg += fmt.Sprintf("; %d failed (%s)", failed, strings.Join(why, "; "))
	}
	if pending := t.total - t.nUp - failed; pending > 0 {
		msg += fmt.Sprintf("; %d still connecting after %v", pending, timeout)
	}
	return fmt.Errorf("%s", msg)
}

package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// kind counts the outcomes of one client kind.
type kind struct {
	name     string
	ok, fail atomic.Int64
	xfail    bool // a known server bug: failures are reported, not fatal
}

// failure is one wrong, missing or late response, kept with its bytes.
type failure struct {
	at        time.Duration // since the load started
	kind, msg string
	req, got  string
}

// hostileRec is the fate of one hostile connection the server must close.
type hostileRec struct {
	kind          string
	limit, closed time.Duration // allowed, and actual time to the server's close
}

// stats is shared by every client goroutine.
type stats struct {
	start time.Time

	mu       sync.Mutex
	kinds    map[string]*kind
	order    []string
	failures []failure
	nfail    int
	nxfail   int
	late     []hostileRec // hostile connections closed later than allowed
	closedN  map[string]int
	maxClose map[string]time.Duration

	hostileOpen atomic.Int64 // hostile connections open right now
	hostileAll  atomic.Int64 // hostile connections opened in total
}

func newStats() *stats {
	return &stats{kinds: map[string]*kind{}, closedN: map[string]int{}, maxClose: map[string]time.Duration{}}
}

// kind returns the counters of name, creating them on first use.
func (s *stats) kind(name string) *kind {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.kinds[name]
	if k == nil {
		k = &kind{name: name}
		s.kinds[name] = k
		s.order = append(s.order, name)
	}
	return k
}

// markXfail marks name as a known server bug (see -xfail).
func (s *stats) markXfail(name string) { s.kind(name).xfail = true }

func (s *stats) ok(k *kind, n int) { k.ok.Add(int64(n)) }

// failf records a failure of kind k with the request and what came back.
func (s *stats) failf(k *kind, req, got []byte, format string, a ...any) {
	k.fail.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nfail++
	if k.xfail { // a few examples of a known bug are enough
		if s.nxfail++; s.nxfail > 3 {
			return
		}
	}
	if len(s.failures) < 40 {
		s.failures = append(s.failures, failure{
			at: time.Since(s.start).Round(time.Millisecond), kind: k.name,
			msg: fmt.Sprintf(format, a...), req: clip(req, 300), got: clip(got, 400),
		})
	}
}

// hostileClosed records how long the server took to close a hostile
// connection against what its timeout allows (limit 0: no limit, recorded
// only for the summary).
func (s *stats) hostileClosed(kind string, took, limit time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closedN[kind]++
	s.maxClose[kind] = max(s.maxClose[kind], took)
	if limit > 0 && took > limit {
		s.late = append(s.late, hostileRec{kind: kind, limit: limit, closed: took})
	}
}

// totals sums the counters: ok and failures of the kinds that count, and
// failures of the known-bug kinds.
func (s *stats) totals() (ok, fail, xfail int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.kinds {
		ok += k.ok.Load()
		if k.xfail {
			xfail += k.fail.Load()
		} else {
			fail += k.fail.Load()
		}
	}
	return
}

// report prints per-kind counts, hostile close times and the failures.
func (s *stats) report(verbose bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	names := append([]string(nil), s.order...)
	sort.Strings(names)
	fmt.Fprintf(&b, "%-24s %10s %8s\n", "client kind", "verified", "failed")
	for _, n := range names {
		k := s.kinds[n]
		mark := ""
		if k.xfail {
			mark = "  (known bug, -xfail)"
		}
		fmt.Fprintf(&b, "%-24s %10d %8d%s\n", n, k.ok.Load(), k.fail.Load(), mark)
	}
	var hk []string
	for k := range s.closedN {
		hk = append(hk, k)
	}
	sort.Strings(hk)
	for _, k := range hk {
		fmt.Fprintf(&b, "hostile %-22s closed by server: %5d, slowest %v\n", k, s.closedN[k], s.maxClose[k].Round(10*time.Millisecond))
	}
	for i, l := range s.late {
		if i == 10 {
			fmt.Fprintf(&b, "... %d more late closes\n", len(s.late)-10)
			break
		}
		fmt.Fprintf(&b, "LATE %s: closed after %v, allowed %v\n", l.kind, l.closed.Round(10*time.Millisecond), l.limit)
	}
	show := s.failures
	if !verbose && len(show) > 10 {
		show = show[:10]
	}
	for _, f := range show {
		fmt.Fprintf(&b, "FAIL +%v %s: %s\n    request: %s\n    got:     %s\n", f.at, f.kind, f.msg, f.req, f.got)
	}
	if s.nfail > len(show) {
		fmt.Fprintf(&b, "... %d more failures (-verbose shows up to 40)\n", s.nfail-len(show))
	}
	return b.String()
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

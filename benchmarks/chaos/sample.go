package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

// sample is one second's view of both servers and of the clients.
type sample struct {
	t     time.Duration // since the load started (negative: baseline)
	phase string        // baseline, load, cooldown
	ps    []procSample  // per server
	gor   []float64     // goroutines from /debug/vars, -1 when not available
	vars  []map[string]float64
	ok    int64
	fail  int64
	xfail int64
	hOpen int64
	hAll  int64
}

// sampler records samples of the servers, with /debug/vars when the
// server has it.
type sampler struct {
	servers []*server
	st      *stats
	mu      sync.Mutex
	samples []sample
}

func (s *sampler) take(phase string) sample {
	sm := sample{t: time.Since(s.st.start), phase: phase}
	for _, srv := range s.servers {
		ps, _ := readProc(srv.pid) // fds first: the vars fetch opens one
		sm.ps = append(sm.ps, ps)
	}
	for _, srv := range s.servers {
		g := -1.0
		var vars map[string]float64
		if srv.varsAt != "" {
			if v, err := debugVars(srv.varsAt); err == nil {
				g, vars = v["goroutines"], v
			}
		}
		sm.gor = append(sm.gor, g)
		sm.vars = append(sm.vars, vars)
	}
	sm.ok, sm.fail, sm.xfail = s.st.totals()
	sm.hOpen, sm.hAll = s.st.hostileOpen.Load(), s.st.hostileAll.Load()
	s.mu.Lock()
	s.samples = append(s.samples, sm)
	s.mu.Unlock()
	return sm
}

// run samples once a second until stop closes.
func (s *sampler) run(phase func() string, stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.take(phase())
		}
	}
}

func (s *sampler) all() []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sample(nil), s.samples...)
}

// writeCSV writes chaos.csv (one row per sample) and vars.csv (every
// numeric /debug/vars leaf, long format: t, server, key, value).
func writeCSV(dir string, servers []*server, samples []sample) error {
	f, err := os.Create(dir + "/chaos.csv")
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	head := []string{"t_s", "phase"}
	for _, s := range servers {
		head = append(head, s.name+"_rss_kib", s.name+"_fds", s.name+"_threads", s.name+"_goroutines")
	}
	head = append(head, "requests_ok", "failures", "known_bug_failures", "hostile_open", "hostile_total")
	_ = w.Write(head)
	for _, sm := range samples {
		row := []string{strconv.FormatFloat(sm.t.Seconds(), 'f', 1, 64), sm.phase}
		for i := range servers {
			g := ""
			if sm.gor[i] >= 0 {
				g = strconv.FormatFloat(sm.gor[i], 'f', 0, 64)
			}
			row = append(row, strconv.FormatInt(sm.ps[i].rssKiB, 10), strconv.Itoa(sm.ps[i].fds), strconv.Itoa(sm.ps[i].threads), g)
		}
		row = append(row, fmt.Sprint(sm.ok), fmt.Sprint(sm.fail), fmt.Sprint(sm.xfail), fmt.Sprint(sm.hOpen), fmt.Sprint(sm.hAll))
		_ = w.Write(row)
	}
	w.Flush()
	if err := f.Close(); err != nil {
		return err
	}
	f, err = os.Create(dir + "/vars.csv")
	if err != nil {
		return err
	}
	w = csv.NewWriter(f)
	_ = w.Write([]string{"t_s", "server", "key", "value"})
	for _, sm := range samples {
		for i, v := range sm.vars {
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				_ = w.Write([]string{strconv.FormatFloat(sm.t.Seconds(), 'f', 1, 64), servers[i].name, k, strconv.FormatFloat(v[k], 'g', -1, 64)})
			}
		}
	}
	w.Flush()
	return f.Close()
}

package main

import "testing"

// The parsers read tool output whose format we do not control; these samples
// were captured on the benchmark machine.

func TestParseStrace(t *testing.T) {
	out := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 80.84    0.358061           8     42589           write
 15.67    0.069425           1     42605           read
  3.48    0.015404          35       439           epoll_wait
  0.00    0.000000           0       102         2 accept4
------ ----------- ----------- --------- --------- ----------------
100.00    0.442938           5     85950         2 total`
	m := parseStrace(out)
	if m["total"] != 85950 || m["write"] != 42589 || m["accept4"] != 102 {
		t.Fatalf("got %v", m)
	}
}

func TestParsePerf(t *testing.T) {
	out := "727404,,raw_syscalls:sys_enter,1485247392,100.00,,\n" +
		"3637,,context-switches,1485247392,100.00,,\n" +
		"336484,,syscalls:sys_enter_read,1485247392,100.00,,\n" +
		"<not counted>,,syscalls:sys_enter_mmap,0,100.00,,\n"
	m := parsePerf(out)
	if m["total"] != 727404 || m["read"] != 336484 || m[ctxSwitches] != 3637 || len(m) != 3 {
		t.Fatalf("got %v", m)
	}
	tot, top := perOp(m, 363702)
	if tot < 1.99 || tot > 2.01 || top != "read 0.93" {
		t.Fatalf("perOp = %v %q", tot, top)
	}
	if cs := switchesPerOp(m, 363702); cs < 0.0099 || cs > 0.0101 {
		t.Fatalf("switchesPerOp = %v", cs)
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 2s test @ http://127.0.0.1:19300/plaintext
  1 threads and 50 connections
  Latency Distribution
     50%   29.21ms
     99%  381.95us
  804528 requests in 2.03s, 102.05MB read
  Socket errors: connect 0, read 3, write 0, timeout 0
  Non-2xx or 3xx responses: 5
Requests/sec: 396705.95`
	r, err := parseWrk(out)
	if err != nil || r.requests != 804528 || r.rps != 396705.95 || r.p99ms != 0.38195 || r.non2xx != 5 {
		t.Fatalf("got %+v %v", r, err)
	}
	if r.problems() != "5 non-2xx, socket errors: connect 0, read 3, write 0, timeout 0" {
		t.Fatalf("problems %q", r.problems())
	}
	if wrkMillis("2.00s") != 2000 || wrkMillis("1.50ms") != 1.5 {
		t.Fatal("wrkMillis")
	}
}

func TestMedian(t *testing.T) {
	if median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 3, 2}) != 2.5 || median(nil) != 0 {
		t.Fatal("median")
	}
}

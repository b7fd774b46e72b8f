package main

import (
	"strings"
	"testing"
)

const sampleLog = "ok  \tgithub.com/seed08ffa9f8/muduo-go/buffer\t1.2s\tcoverage: 100.0% of statements\n" +
	"ok  \tgithub.com/seed08ffa9f8/muduo-go/http\t(cached)\tcoverage: 90.5% of statements\n" +
	"\tgithub.com/seed08ffa9f8/muduo-go/internal/testproc\t\tcoverage: 0.0% of statements\n" +
	"ok  \tgithub.com/seed08ffa9f8/muduo-go/benchmarks/wrk\t0.1s\tcoverage: [no statements]\n" +
	"--- FAIL: TestX (0.00s)\n" +
	"FAIL\tgithub.com/seed08ffa9f8/muduo-go/rpc\t3.0s\n"

func TestReport(t *testing.T) {
	got, err := parseCoverage(strings.NewReader(sampleLog))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got["buffer"] != 100 || got["http"] != 90.5 || got["internal/testproc"] != 0 || got["benchmarks/wrk"] != -1 {
		t.Fatalf("parsed %v", got)
	}
	floors, err := parseThresholds(strings.NewReader("# floors\nbuffer 100\nhttp 91 # today\nrpc 92%\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	// http below its floor; rpc failed, so no coverage.
	if n := report(&out, floors, got); n != 2 {
		t.Fatalf("%d failures, want 2:\n%s", n, out.String())
	}
	for _, want := range []string{"0.5 points below the floor", "no coverage reported", "internal/testproc", "no statements"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseThresholdsErrors(t *testing.T) {
	for _, bad := range []string{"http\n", "http 101\n", "http x\n"} {
		if _, err := parseThresholds(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

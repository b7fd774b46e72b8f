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
	"FAIL\n" +
	"coverage: 92.5% of statements\n" +
	"FAIL\tgithub.com/seed08ffa9f8/muduo-go/rpc\t3.0s\n"

func TestReport(t *testing.T) {
	got, err := parseCoverage(strings.NewReader(sampleLog))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got["buffer"].percent != 100 || got["http"].percent != 90.5 || got["internal/testproc"].percent != 0 ||
		got["benchmarks/wrk"].percent != -1 || got["rpc"] != (packageCoverage{92.5, true}) {
		t.Fatalf("parsed %v", got)
	}
	floors, err := parseThresholds(strings.NewReader("# floors\nbuffer 100\nhttp 91 # today\nrpc 92%\nnet 90\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	// http below its floor; rpc's tests failed; net reported nothing.
	if n := report(&out, floors, got); n != 3 {
		t.Fatalf("%d failures, want 3:\n%s", n, out.String())
	}
	for _, want := range []string{"0.5 points below the floor", "FAIL: tests failed", "FAIL: no coverage reported", "internal/testproc", "no stmts"} {
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

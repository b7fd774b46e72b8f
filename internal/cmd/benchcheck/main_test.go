package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
pkg: github.com/seed08ffa9f8/muduo-go/http
BenchmarkServerPlaintext-2   	    1000	     76577 ns/op	   6.15 MB/s	       0 B/op	       0 allocs/op
BenchmarkSplitHost/localhost:8080-2   	    1000	        15.03 ns/op	       0 B/op	       0 allocs/op
PASS
pkg: github.com/seed08ffa9f8/muduo-go/rpc
BenchmarkDispatchInline-2         	    1000	      2469 ns/op	      80 B/op	       6 allocs/op
BenchmarkNew-2         	    1000	      2469 ns/op	      80 B/op	       1 allocs/op
`

const sampleBudgets = `# comment
http BenchmarkServerPlaintext 0
http BenchmarkSplitHost/* 0
rpc  BenchmarkDispatchInline 5 # README
rpc  BenchmarkGone 0
`

func TestCheck(t *testing.T) {
	budgets, err := parseBudgets(strings.NewReader(sampleBudgets))
	if err != nil {
		t.Fatal(err)
	}
	results, err := parseResults(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 || results[0].pkg != "http" || results[1].name != "BenchmarkSplitHost/localhost:8080" || results[2].allocs != 6 {
		t.Fatalf("parsed %+v", results)
	}
	var out strings.Builder
	// Over budget (DispatchInline 6 > 5), no budget (New), stale (Gone).
	if n := check(&out, budgets, results, "b.txt"); n != 3 {
		t.Fatalf("%d failures, want 3:\n%s", n, out.String())
	}
	for _, want := range []string{"6 allocs/op over the budget of 5 (b.txt:4)", "no budget line", "b.txt:5: budget rpc BenchmarkGone matched no benchmark"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckWithinBudget(t *testing.T) {
	budgets, _ := parseBudgets(strings.NewReader("http BenchmarkServerPlaintext 0\n"))
	results, _ := parseResults(strings.NewReader(sampleOutput))
	if n := check(io.Discard, budgets, results[:1], "b.txt"); n != 0 {
		t.Fatalf("%d failures, want 0", n)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"http BenchmarkX\n", "http BenchmarkX -1\n", "http [ 0\n"} {
		if _, err := parseBudgets(strings.NewReader(bad)); err == nil {
			t.Errorf("budget %q accepted", bad)
		}
	}
	if _, err := parseResults(strings.NewReader("BenchmarkX-2 1000 5 ns/op\n")); err == nil {
		t.Error("a result without allocs/op accepted")
	}
}

func TestFindAllocTests(t *testing.T) {
	names, err := findAllocTests("../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TestServerZeroAllocs", "TestStatsNoAllocs", "TestEchoSteadyStateAllocatesNothing"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not found among %v", want, names)
		}
	}
}

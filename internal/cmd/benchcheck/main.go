// Command benchcheck holds the benchmarks to their allocation budgets, so
// that what README.md claims about allocations ("0 B/op, 0 allocs/op" for
// plaintext, JSON and echo; 5 allocations for an Arith.Add dispatch) is
// checked on every CI run rather than measured once.
//
// It reads `go test -run '^$' -bench . -benchmem` output on standard input
// and a budget file (default .ci/bench-budgets.txt) of lines
//
//	<package, relative to the module root> <benchmark name or glob> <max allocs/op>
//
// and fails (exit 1) when a benchmark reports more allocs/op than its
// budget, when a benchmark ran that has no budget line (a new benchmark
// gets one, with the number README claims for it), or when a budget line
// matched no benchmark (a renamed benchmark keeps its budget). B/op is
// shown, not checked: it averages in the runtime's own occasional
// allocations, so a few bytes per op come and go from run to run.
//
//	go test -run '^$' -bench . -benchtime 1000x -benchmem ./... | go run ./internal/cmd/benchcheck
//
// With -alloc-tests it prints instead the names of the tests, in every
// *_test.go under the current directory, that count allocations
// (testing.AllocsPerRun or runtime.MemStats.Mallocs), as one -run
// pattern, so that CI runs them all without the race detector.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
)

const modulePath = "github.com/seed08ffa9f8/muduo-go"

func main() {
	budgetFile := flag.String("budgets", ".ci/bench-budgets.txt", "the budget file")
	allocTests := flag.Bool("alloc-tests", false, "print a -run pattern of the tests that count allocations, and exit")
	flag.Parse()
	if *allocTests {
		names, err := findAllocTests(".")
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchcheck:", err)
			os.Exit(2)
		}
		if len(names) == 0 {
			fmt.Fprintln(os.Stderr, "benchcheck: no test counts allocations")
			os.Exit(1)
		}
		fmt.Printf("^(%s)$\n", strings.Join(names, "|"))
		return
	}
	f, err := os.Open(*budgetFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	budgets, err := parseBudgets(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchcheck: %s: %v\n", *budgetFile, err)
		os.Exit(2)
	}
	results, err := parseResults(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(2)
	}
	failures := check(os.Stdout, budgets, results, *budgetFile)
	if failures > 0 {
		fmt.Printf("benchcheck: %d failure(s)\n", failures)
		os.Exit(1)
	}
	fmt.Printf("benchcheck: %d benchmarks within their allocation budgets\n", len(results))
}

// budget is one line of the budget file.
type budget struct {
	line      int
	pkg, name string // name may be a path.Match glob
	maxAllocs int64
	used      bool
}

func parseBudgets(r io.Reader) ([]*budget, error) {
	var out []*budget
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want <package> <benchmark> <max allocs/op>, got %q", n, sc.Text())
		}
		if _, err := path.Match(f[1], ""); err != nil {
			return nil, fmt.Errorf("line %d: bad pattern %q: %v", n, f[1], err)
		}
		max, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || max < 0 {
			return nil, fmt.Errorf("line %d: bad allocs/op %q", n, f[2])
		}
		out = append(out, &budget{line: n, pkg: f[0], name: f[1], maxAllocs: max})
	}
	return out, sc.Err()
}

// result is one benchmark's line of go test output.
type result struct {
	pkg, name     string
	nsPerOp       string
	bytes, allocs int64
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parseResults reads go test -bench -benchmem output; each "pkg:" line
// names the package of the benchmark lines after it.
func parseResults(r io.Reader) ([]result, error) {
	var out []result
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = relPackage(strings.TrimSpace(p))
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue // a log line that starts with a benchmark's name
		}
		res := result{pkg: pkg, name: procsSuffix.ReplaceAllString(f[0], ""), bytes: -1, allocs: -1}
		for i := 2; i+1 < len(f); i += 2 {
			v, unit := f[i], f[i+1]
			switch unit {
			case "ns/op":
				res.nsPerOp = v
			case "B/op":
				res.bytes, _ = strconv.ParseInt(v, 10, 64)
			case "allocs/op":
				res.allocs, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		if res.allocs < 0 {
			return nil, fmt.Errorf("%s %s: no allocs/op (run with -benchmem)", pkg, res.name)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

func relPackage(p string) string {
	if p == modulePath {
		return "."
	}
	return strings.TrimPrefix(p, modulePath+"/")
}

// lookup returns the budget for r: an exact name first, then the first
// glob that matches.
func lookup(budgets []*budget, r result) *budget {
	for _, b := range budgets {
		if b.pkg == r.pkg && b.name == r.name {
			return b
		}
	}
	for _, b := range budgets {
		if ok, _ := path.Match(b.name, r.name); ok && b.pkg == r.pkg {
			return b
		}
	}
	return nil
}

// check prints a table of results against budgets and returns the number
// of failures.
func check(w io.Writer, budgets []*budget, results []result, file string) int {
	failures := 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tbenchmark\tns/op\tB/op\tallocs/op\tbudget\tstatus")
	for _, r := range results {
		b := lookup(budgets, r)
		status, limit := "ok", "-"
		switch {
		case b == nil:
			status = "FAIL: no budget line in " + file
			failures++
		case r.allocs > b.maxAllocs:
			b.used = true
			limit = strconv.FormatInt(b.maxAllocs, 10)
			status = fmt.Sprintf("FAIL: %d allocs/op over the budget of %d (%s:%d)", r.allocs, b.maxAllocs, file, b.line)
			failures++
		default:
			b.used = true
			limit = strconv.FormatInt(b.maxAllocs, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.pkg, r.name, r.nsPerOp, r.bytes, r.allocs, limit, status)
	}
	tw.Flush()
	for _, b := range budgets {
		if !b.used {
			fmt.Fprintf(w, "FAIL: %s:%d: budget %s %s matched no benchmark that ran (renamed or removed?)\n", file, b.line, b.pkg, b.name)
			failures++
		}
	}
	return failures
}

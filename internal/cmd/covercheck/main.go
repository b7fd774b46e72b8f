// Command covercheck prints the statement coverage of every package from
// `go test -cover` output as a table and fails (exit 1) when a package
// listed in the threshold file (default .ci/coverage.txt) is below its
// floor or reported no coverage at all. Packages not listed are shown but
// not enforced. A threshold line is
//
//	<package, relative to the module root> <minimum percent>
//
// Used by .ci/run on the output of its one `go test -race -cover` run:
//
//	go test -race -cover ./... | tee test.log; go run ./internal/cmd/covercheck < test.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const modulePath = "github.com/seed08ffa9f8/muduo-go"

func main() {
	file := flag.String("thresholds", ".ci/coverage.txt", "the threshold file")
	flag.Parse()
	f, err := os.Open(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "covercheck:", err)
		os.Exit(2)
	}
	floors, err := parseThresholds(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "covercheck: %s: %v\n", *file, err)
		os.Exit(2)
	}
	got, err := parseCoverage(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "covercheck:", err)
		os.Exit(2)
	}
	if n := report(os.Stdout, floors, got); n > 0 {
		fmt.Printf("covercheck: %d package(s) listed in %s below their floor or without coverage\n", n, *file)
		os.Exit(1)
	}
	fmt.Printf("covercheck: every package listed in %s at or above its floor\n", *file)
}

func parseThresholds(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want <package> <percent>, got %q", n, sc.Text())
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		if err != nil || v < 0 || v > 100 {
			return nil, fmt.Errorf("line %d: bad percent %q", n, f[1])
		}
		out[f[0]] = v
	}
	return out, sc.Err()
}

// coverageLine matches go test's per-package coverage, after "ok" or on
// its own for a package without tests; a failing package prints its
// coverage on a line of its own, then "FAIL<tab>package".
var (
	coverageLine = regexp.MustCompile(`^(?:ok\s+)?\s*(\S+)\s.*coverage: (?:([0-9.]+)% of statements|\[no statements\])`)
	bareCoverage = regexp.MustCompile(`^coverage: (?:([0-9.]+)% of statements|\[no statements\])`)
	failLine     = regexp.MustCompile(`^FAIL\s+(\S+)`)
)

// packageCoverage is one package's result: its coverage in percent (-1:
// no statements) and whether its tests failed.
type packageCoverage struct {
	percent float64
	failed  bool
}

func parseCoverage(r io.Reader) (map[string]packageCoverage, error) {
	out := map[string]packageCoverage{}
	pending := -2.0 // a bare coverage line waiting for its FAIL line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	percent := func(s string) float64 {
		if s == "" {
			return -1
		}
		v, _ := strconv.ParseFloat(s, 64)
		return v
	}
	for sc.Scan() {
		line := sc.Text()
		if m := bareCoverage.FindStringSubmatch(line); m != nil {
			pending = percent(m[1])
		} else if m := failLine.FindStringSubmatch(line); m != nil && strings.Contains(m[1], ".") {
			out[relPackage(m[1])] = packageCoverage{percent: pending, failed: true}
			pending = -2
		} else if m := coverageLine.FindStringSubmatch(line); m != nil {
			out[relPackage(m[1])] = packageCoverage{percent: percent(m[2])}
		}
	}
	return out, sc.Err()
}

func relPackage(p string) string {
	if p == modulePath {
		return "."
	}
	return strings.TrimPrefix(p, modulePath+"/")
}

// report writes the table and returns how many enforced packages fail.
func report(w io.Writer, floors map[string]float64, got map[string]packageCoverage) int {
	names := make([]string, 0, len(got))
	width := len("package")
	for p := range got {
		names = append(names, p)
	}
	for p := range floors {
		if _, ok := got[p]; !ok {
			names = append(names, p)
		}
	}
	for _, p := range names {
		width = max(width, len(p))
	}
	slices.Sort(names)
	failures := 0
	fmt.Fprintf(w, "%-*s  %8s  %6s\n", width, "package", "coverage", "floor")
	for _, p := range names {
		c, ran := got[p]
		floor, enforced := floors[p]
		cs, fs, status := "-", "-", ""
		switch {
		case !ran:
			cs, status = "none", "no coverage reported (the package did not build or its tests did not run)"
		case c.percent == -2:
			cs = "none"
		case c.percent < 0:
			cs = "no stmts"
		default:
			cs = fmt.Sprintf("%.1f%%", c.percent)
		}
		if ran && c.failed {
			status = "tests failed"
		}
		if enforced {
			fs = fmt.Sprintf("%.1f%%", floor)
			if status == "" && c.percent < floor {
				status = fmt.Sprintf("%.1f points below the floor", floor-c.percent)
			}
		}
		switch {
		case status != "" && enforced:
			failures++
			status = "FAIL: " + status
		case status != "":
			status = "(" + status + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-*s  %8s  %6s  %s", width, p, cs, fs, status), " "))
	}
	return failures
}

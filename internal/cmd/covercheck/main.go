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
	"text/tabwriter"
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
		fmt.Printf("covercheck: %d package(s) below their floor in %s\n", n, *file)
		os.Exit(1)
	}
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
// its own for a package without tests.
var coverageLine = regexp.MustCompile(`^(?:ok\s+)?\s*(\S+)\s.*coverage: (?:([0-9.]+)% of statements|\[no statements\])`)

// parseCoverage returns each package's coverage in percent (-1: no
// statements).
func parseCoverage(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := coverageLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v := -1.0
		if m[2] != "" {
			v, _ = strconv.ParseFloat(m[2], 64)
		}
		out[relPackage(m[1])] = v
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
func report(w io.Writer, floors, got map[string]float64) int {
	names := make([]string, 0, len(got))
	for p := range got {
		names = append(names, p)
	}
	for p := range floors {
		if _, ok := got[p]; !ok {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	failures := 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "package\tcoverage\tfloor\t\t")
	for _, p := range names {
		c, ran := got[p]
		floor, enforced := floors[p]
		cs, fs, status := "-", "-", ""
		switch {
		case !ran:
			status = "FAIL: no coverage reported (tests failed or did not run)"
		case c < 0:
			cs = "no statements"
		default:
			cs = fmt.Sprintf("%.1f%%", c)
		}
		if enforced {
			fs = fmt.Sprintf("%.1f%%", floor)
			if ran && c < floor {
				status = fmt.Sprintf("FAIL: %.1f points below the floor", floor-c)
			}
			if status != "" {
				failures++
			}
		} else {
			status = ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t%s\n", p, cs, fs, status)
	}
	tw.Flush()
	return failures
}

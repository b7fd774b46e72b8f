package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// sample is one measured run of one target in one scenario.
type sample struct {
	rate   float64 // ops/s as the load generator saw it
	cpu    float64 // server CPU microseconds per op
	p99    float64 // ms, wrk runs only
	rssKiB int64   // server VmRSS at the end of the run
}

// cell collects every round of one (scenario, target) pair plus its
// separate syscall-counting run.
type cell struct {
	scenario, target string
	samples          []sample
	sys              map[string]int64
	sysOps           int64
	problems         []string // non-2xx, socket errors, verification failures
}

// results keeps cells in first-seen order so tables follow the run order.
type results struct {
	suite, opName, ref string // ref: target the CPU ratio is relative to
	order              []*cell
	byKey              map[string]*cell
}

func newResults(suite, opName, ref string) *results {
	return &results{suite: suite, opName: opName, ref: ref, byKey: map[string]*cell{}}
}

func (r *results) cell(scenario, target string) *cell {
	k := scenario + "\x00" + target
	c := r.byKey[k]
	if c == nil {
		c = &cell{scenario: scenario, target: target}
		r.byKey[k] = c
		r.order = append(r.order, c)
	}
	return c
}

func (c *cell) problem(format string, a ...any) {
	p := fmt.Sprintf(format, a...)
	for _, q := range c.problems {
		if q == p {
			return
		}
	}
	c.problems = append(c.problems, p)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (c *cell) med(f func(sample) float64) float64 {
	xs := make([]float64, 0, len(c.samples))
	for _, s := range c.samples {
		xs = append(xs, f(s))
	}
	return median(xs)
}

func (c *cell) rate() float64 { return c.med(func(s sample) float64 { return s.rate }) }
func (c *cell) cpu() float64  { return c.med(func(s sample) float64 { return s.cpu }) }
func (c *cell) p99() float64  { return c.med(func(s sample) float64 { return s.p99 }) }
func (c *cell) rssMiB() float64 {
	return c.med(func(s sample) float64 { return float64(s.rssKiB) / 1024 })
}

// ratio is this cell's median CPU/op over the reference target's in the same
// scenario: < 1 means cheaper than the reference.
func (r *results) ratio(c *cell) string {
	ref := r.byKey[c.scenario+"\x00"+r.ref]
	if ref == nil || len(ref.samples) == 0 || ref.cpu() == 0 || len(c.samples) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", c.cpu()/ref.cpu())
}

// columns picks which optional columns a suite shows.
type columns struct{ p99, rss bool }

// markdown renders the medians; the "rounds" column shows how many runs
// actually produced a sample.
func (r *results) markdown(cols columns) string {
	op := r.opName
	h := []string{"scenario", "target", "rounds", op + "/s (median)", "server CPU µs/" + op + " (median)", "CPU ratio vs " + r.ref, "syscalls/" + op, "top syscalls/" + op, "ctx switches/" + op}
	if cols.p99 {
		h = append(h, "p99 ms (median)")
	}
	if cols.rss {
		h = append(h, "RSS MiB at end")
	}
	h = append(h, "problems")
	var b strings.Builder
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|" + strings.Repeat(" --- |", len(h)) + "\n")
	for _, c := range r.order {
		tot, top := perOp(c.sys, c.sysOps)
		row := []string{c.scenario, c.target, strconv.Itoa(len(c.samples)), "-", "-", r.ratio(c), "-", top, "-"}
		if len(c.samples) > 0 {
			row[3] = fmt.Sprintf("%.0f", c.rate())
			row[4] = fmt.Sprintf("%.2f", c.cpu())
		}
		if tot > 0 {
			row[6] = fmt.Sprintf("%.2f", tot)
		}
		if cs := switchesPerOp(c.sys, c.sysOps); cs > 0 {
			row[8] = fmt.Sprintf("%.3f", cs)
		}
		if cols.p99 {
			row = append(row, fmtOpt(c.p99() > 0, "%.2f", c.p99())) // no p99 from rpcload
		}
		if cols.rss {
			row = append(row, fmtOpt(len(c.samples) > 0, "%.1f", c.rssMiB()))
		}
		p := cellText(strings.Join(c.problems, "; "))
		if p == "" {
			p = "ok"
		} else {
			p = "**" + p + "**"
		}
		b.WriteString("| " + strings.Join(append(row, p), " | ") + " |\n")
	}
	return b.String()
}

// cellText keeps a problem description on one short table line; the CSV has
// the full text.
func cellText(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "|", "/")), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return s
}

func fmtOpt(ok bool, f string, v float64) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf(f, v)
}

// csvRows is the machine-readable form (medians, unformatted) that cmd/chart reads.
func (r *results) csvRows() [][]string {
	rows := [][]string{{"suite", "scenario", "target", "rounds", "rate_median", "cpu_us_per_op_median", "cpu_ratio_vs_ref", "syscalls_per_op", "top_syscalls", "p99_ms_median", "rss_mib_median", "problems", "ctx_switches_per_op"}}
	for _, c := range r.order {
		tot, top := perOp(c.sys, c.sysOps)
		rows = append(rows, []string{r.suite, c.scenario, c.target, strconv.Itoa(len(c.samples)),
			f2(c.rate()), f2(c.cpu()), r.ratio(c), f2(tot), top, f2(c.p99()), f2(c.rssMiB()), strings.Join(c.problems, "; "),
			f2(switchesPerOp(c.sys, c.sysOps))})
	}
	return rows
}

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// emit prints the table and, with -out, writes DIR/<name>.md and DIR/<name>.csv.
func emit(name, header, table string, rows [][]string) {
	fmt.Println(header)
	fmt.Println()
	fmt.Println(table)
	if *outDir == "" {
		return
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fatalf("%v", err)
	}
	md := filepath.Join(*outDir, name+".md")
	if err := os.WriteFile(md, []byte(header+"\n\n"+table), 0o644); err != nil {
		fatalf("%v", err)
	}
	if rows != nil {
		f, err := os.Create(filepath.Join(*outDir, name+".csv"))
		if err != nil {
			fatalf("%v", err)
		}
		w := csv.NewWriter(f)
		_ = w.WriteAll(rows)
		f.Close()
	}
	logf("wrote %s (and .csv)", md)
}

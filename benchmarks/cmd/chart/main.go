// Command chart draws a grouped bar chart from a runner CSV (default: the
// http suite): one group per scenario, one bar per target, bar height = the
// median server CPU per operation. Lower is better; it is the figure that
// stays meaningful when the single load-generator core is the bottleneck.
//
//	go run ./cmd/chart -in results/http.csv -out results/http.png
package main

import (
	"encoding/csv"
	"flag"
	"log"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func main() {
	in := flag.String("in", "results/http.csv", "runner CSV")
	out := flag.String("out", "results/http.png", "output image (.png, .svg or .pdf)")
	col := flag.String("metric", "cpu_us_per_op_median", "CSV column to plot")
	ylabel := flag.String("ylabel", "server CPU µs per request (median, lower is better)", "Y axis label")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 {
		log.Fatalf("%s: no data (%v)", *in, err)
	}
	idx := map[string]int{}
	for i, h := range rows[0] {
		idx[h] = i
	}
	for _, need := range []string{"scenario", "target", *col} {
		if _, ok := idx[need]; !ok {
			log.Fatalf("%s has no %q column", *in, need)
		}
	}
	// Keep first-seen order of scenarios and targets, as the runner wrote them.
	var scenarios, targets []string
	seen := map[string]bool{}
	val := map[[2]string]float64{}
	for _, r := range rows[1:] {
		sc, tg := r[idx["scenario"]], r[idx["target"]]
		if !seen["s"+sc] {
			seen["s"+sc] = true
			scenarios = append(scenarios, sc)
		}
		if !seen["t"+tg] {
			seen["t"+tg] = true
			targets = append(targets, tg)
		}
		v, _ := strconv.ParseFloat(r[idx[*col]], 64)
		val[[2]string{sc, tg}] = v
	}

	p := plot.New()
	p.Add(plotter.NewGrid()) // first, so the bars are drawn over it
	p.Title.Text = *col + " by scenario and target (" + *in + ")"
	p.Y.Label.Text = *ylabel
	p.Legend.Top = true
	w := vg.Points(float64(min(18, 120/len(targets))))
	for i, tg := range targets {
		vs := make(plotter.Values, len(scenarios))
		for j, sc := range scenarios {
			vs[j] = val[[2]string{sc, tg}] // 0 where the target has no result
		}
		bars, err := plotter.NewBarChart(vs, w)
		if err != nil {
			log.Fatal(err)
		}
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(i)-float64(len(targets)-1)/2)
		p.Add(bars)
		p.Legend.Add(tg, bars)
	}
	p.NominalX(scenarios...)
	// Headroom above the tallest bar so the legend never covers a bar.
	p.Y.Min, p.Y.Max = 0, p.Y.Max*1.35
	p.Y.Tick.Marker = evenTicks{}
	if err := p.Save(26*vg.Centimeter, 13*vg.Centimeter, *out); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s", *out)
}

// evenTicks labels the Y axis every 1, 2 or 5 × 10^k units, about 6 labels:
// gonum's default ticker sometimes labels only the two ends.
type evenTicks struct{}

func (evenTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/6)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(step*m) <= 7 {
			step *= m
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

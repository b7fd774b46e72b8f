package main

import (
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
}

type series struct {
	name string
	y    func(sample) float64
}

// panel plots series over time, with a dashed line where the load stopped.
func panel(title, ylabel string, samples []sample, loadEnd float64, ss []series) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds since load start"
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	top := 1.0
	for i, s := range ss {
		pts := make(plotter.XYs, 0, len(samples))
		for _, sm := range samples {
			y := s.y(sm)
			if y < 0 {
				continue
			}
			pts = append(pts, plotter.XY{X: sm.t.Seconds(), Y: y})
			top = max(top, y)
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	if end, err := plotter.NewLine(plotter.XYs{{X: loadEnd, Y: 0}, {X: loadEnd, Y: top}}); err == nil {
		end.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		end.Color = color.Gray{Y: 0x60}
		p.Add(end)
		p.Legend.Add("load stops", end)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return p
}

// writePlot draws a 2x2 PNG: RSS, fds, goroutines (threads when
// /debug/vars is missing), and requests/failures/hostile connections.
func writePlot(path string, servers []*server, samples []sample, loadEnd float64) error {
	var rss, fds, gor []series
	for i, s := range servers {
		rss = append(rss, series{s.name, func(sm sample) float64 { return float64(sm.ps[i].rssKiB) / 1024 }})
		fds = append(fds, series{s.name, func(sm sample) float64 { return float64(sm.ps[i].fds) }})
		gor = append(gor, series{s.name + " goroutines", func(sm sample) float64 { return sm.gor[i] }},
			series{s.name + " threads", func(sm sample) float64 { return float64(sm.ps[i].threads) }})
	}
	var prev sample
	rate := func(sm sample) float64 {
		d := (sm.t - prev.t).Seconds()
		r := 0.0
		if d > 0 && prev.phase != "" {
			r = float64(sm.ok-prev.ok) / d / 1000
		}
		prev = sm
		return r
	}
	load := []series{
		{"verified responses (k/s)", rate},
		{"failures (total)", func(sm sample) float64 { return float64(sm.fail) }},
		{"hostile conns open (/100)", func(sm sample) float64 { return float64(sm.hOpen) / 100 }},
	}
	plots := [][]*plot.Plot{
		{panel("server RSS", "MiB", samples, loadEnd, rss), panel("server open fds", "fds", samples, loadEnd, fds)},
		{panel("goroutines (/debug/vars) and threads", "count", samples, loadEnd, gor), panel("clients", "", samples, loadEnd, load)},
	}
	img := vgimg.New(vg.Points(1400), vg.Points(900))
	dc := draw.New(img)
	t := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	canvases := plot.Align(plots, t, dc)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

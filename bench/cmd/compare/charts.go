package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	limpetColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	peerColor   = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	thirdColor  = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	fourthColor = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// charts writes the PNG charts beside the page.
func charts(c *config, r *results) error {
	if err := throughputChart(r, filepath.Join(c.out, "benchmarks-throughput.png")); err != nil {
		return err
	}
	if j := r.jar; j != nil {
		if err := linesChart("Cookie jar: Cookies(u) for one domain", "cookies per domain", "CPU time per lookup (µs)", 1e3, j.sizes,
			[]line{{"limpet", j.res["lookup"], false, limpetColor}, {"net/http/cookiejar", j.res["lookup"], true, peerColor}},
			filepath.Join(c.out, "benchmarks-jar-lookup.png")); err != nil {
			return err
		}
		if err := linesChart("Cookie jar: SetCookies of one cookie", "cookies per domain", "CPU time per call (µs)", 1e3, j.sizes,
			[]line{
				{"limpet, replace", j.res["set"], false, limpetColor}, {"net/http/cookiejar, replace", j.res["set"], true, peerColor},
				{"limpet, new + delete", j.res["new"], false, thirdColor}, {"net/http/cookiejar, new + delete", j.res["new"], true, fourthColor},
			}, filepath.Join(c.out, "benchmarks-jar-set.png")); err != nil {
			return err
		}
	}
	if p := r.persist; p != nil {
		if err := linesChart("Session file: save and load", "cookies in the session", "time (ms)", 1e6, p.sizes,
			[]line{
				{"limpet save (lock, merge, fsync)", p.res["save"], false, limpetColor}, {"naive json save (no fsync)", p.res["save"], true, peerColor},
				{"limpet load", p.res["load"], false, thirdColor}, {"naive json load", p.res["load"], true, fourthColor},
			}, filepath.Join(c.out, "benchmarks-persist.png")); err != nil {
			return err
		}
	}
	if cl := r.cli; cl != nil && cl.skipped == "" {
		if err := cliChart(cl, filepath.Join(c.out, "benchmarks-cli.png")); err != nil {
			return err
		}
	}
	return nil
}

func throughputChart(r *results, path string) error {
	seq, c8 := r.group("seq"), r.group("c8")
	p := plot.New()
	p.Title.Text = "Keep-alive GETs with a session cookie (loopback)"
	p.Y.Label.Text = "requests per second (median of rounds)"
	var names []string
	var vs, vc plotter.Values
	for _, cl := range seq.clients {
		names = append(names, display[cl])
		vs = append(vs, zeroNaN(median(finite(seq.res[cl].rps))))
		vc = append(vc, zeroNaN(median(finite(c8.res[cl].rps))))
	}
	w := vg.Points(14)
	b1, err := plotter.NewBarChart(vs, w)
	if err != nil {
		return err
	}
	b1.Color, b1.LineStyle.Width, b1.Offset = limpetColor, 0, -w/2
	b2, err := plotter.NewBarChart(vc, w)
	if err != nil {
		return err
	}
	b2.Color, b2.LineStyle.Width, b2.Offset = peerColor, 0, w/2
	p.Add(plotter.NewGrid(), b1, b2)
	// The range of the rounds, on each bar.
	top := math.Max(slicesMax(vs), slicesMax(vc))
	for _, gb := range []struct {
		g   *group
		off vg.Length
	}{{seq, -w / 2}, {c8, w / 2}} {
		var pts errPoints
		for i, cl := range gb.g.clients {
			rps := finite(gb.g.res[cl].rps)
			if len(rps) == 0 {
				continue
			}
			m := median(rps)
			lo, hi := slices.Min(rps), slices.Max(rps)
			pts.XYs = append(pts.XYs, plotter.XY{X: float64(i), Y: m})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{m - lo, hi - m})
			top = math.Max(top, hi)
		}
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		p.Add(shifted{eb, gb.off})
	}
	p.Legend.Add("sequential", b1)
	p.Legend.Add("8 goroutines", b2)
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, 1.1*top
	p.Title.Text += "; whiskers: the range of the rounds"
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

// line is one curve of a lines chart: limpet's or the peer's medians.
type line struct {
	name  string
	res   map[int]*pair
	peer  bool
	color color.Color
}

// linesChart draws lines of medians (ns) divided by scale, on log axes.
func linesChart(title, x, y string, scale float64, sizes []int, lines []line, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y + ", log scale"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(sizeTicks(sizes))
	p.Y.Tick.Marker = plot.TickerFunc(logTicks)
	p.Add(plotter.NewGrid())
	top := 0.0
	for i, l := range lines {
		xys := make(plotter.XYs, len(sizes))
		for k, n := range sizes {
			v := l.res[n].limpet
			if l.peer {
				v = l.res[n].peer
			}
			xys[k] = plotter.XY{X: float64(n), Y: median(v) / scale}
			top = math.Max(top, xys[k].Y)
		}
		ln, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		ln.Color, pts.Color = l.color, l.color
		ln.Width = vg.Points(1.5)
		if l.peer {
			ln.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		pts.Shape = shapes[i%len(shapes)]
		p.Add(ln, pts)
		p.Legend.Add(l.name, ln, pts)
	}
	p.Legend.Top, p.Legend.Left = true, true
	// Room above the curves for the legend.
	p.Y.Max = top * math.Pow(10, 0.25*float64(len(lines)))
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}

func sizeTicks(sizes []int) []plot.Tick {
	ts := make([]plot.Tick, len(sizes))
	for i, n := range sizes {
		ts[i] = plot.Tick{Value: float64(n), Label: fmt.Sprint(n)}
	}
	return ts
}

func cliChart(cl *cliResults, path string) error {
	p := plot.New()
	p.Title.Text = "One GET with a stored session (hyperfine)"
	p.Y.Label.Text = "milliseconds (median of rounds)"
	var vs plotter.Values
	var names []string
	for _, t := range cl.tools {
		vs = append(vs, zeroNaN(median(cl.times[t])/1e6))
		names = append(names, cliTitle[t])
	}
	b, err := plotter.NewBarChart(vs, vg.Points(40))
	if err != nil {
		return err
	}
	b.Color, b.LineStyle.Width = limpetColor, 0
	xys := make(plotter.XYs, len(vs))
	labels := make([]string, len(vs))
	for i, v := range vs {
		xys[i] = plotter.XY{X: float64(i), Y: v}
		labels[i] = fmt.Sprintf("%.1f ms", v)
	}
	ls, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return err
	}
	for i := range ls.TextStyle {
		ls.TextStyle[i].XAlign = draw.XCenter
		ls.Offset.Y = vg.Points(4)
	}
	p.Add(plotter.NewGrid(), b, ls)
	p.Y.Min, p.Y.Max = 0, 1.12*slicesMax(vs)
	p.NominalX(names...)
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

func zeroNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

func slicesMax(vs plotter.Values) float64 {
	m := 0.0
	for _, v := range vs {
		m = math.Max(m, v)
	}
	return m
}

// logTicks labels a log axis at 1, 2 and 5 times the powers of ten within
// [lo, hi], with minor ticks between.
func logTicks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * p
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// shifted draws a plotter moved sideways by dx, as bar charts are by their
// Offset.
type shifted struct {
	p  plot.Plotter
	dx vg.Length
}

// Plot draws s.p on c moved by s.dx.
func (s shifted) Plot(c draw.Canvas, p *plot.Plot) {
	s.p.Plot(draw.Crop(c, s.dx, s.dx, 0, 0), p)
}

package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Default leaderboard size in pixels; the height grows with the number
// of bars so each keeps a readable slot.
const (
	LeaderboardWidth = 800
	leaderboardBase  = 110 // title, axis and padding
	leaderboardSlot  = 40  // per bar
)

// barColor is light so the black labels inside the bars stay readable.
var barColor = color.RGBA{R: 166, G: 206, B: 227, A: 255}

// Bar is one leaderboard entry: the mean of a metric over N runs and
// its standard deviation (0 for a single run; N 0 means unknown).
type Bar struct {
	Name      string
	Mean, Std float64
	N         int
}

// Line is a labelled reference value drawn across the bars, e.g. the
// synthetic generator's oracle AUC.
type Line struct {
	Label string
	Value float64
}

// LeaderboardChart describes a leaderboard: horizontal bars from zero to
// each Mean with ±Std error bars and a "mean ± std (n=N)" label, listed
// top to bottom in the order given, plus dashed vertical References
// named in the legend.
type LeaderboardChart struct {
	Title      string
	Metric     string // the x-axis label
	Bars       []Bar
	References []Line
	// Width and Height in pixels; zero picks LeaderboardWidth and
	// LeaderboardHeight(len(Bars)).
	Width, Height int
}

// LeaderboardHeight is the default height in pixels for n bars.
func LeaderboardHeight(n int) int { return leaderboardBase + leaderboardSlot*n }

// Leaderboard draws c and writes it to path (.svg or .png).
func Leaderboard(path string, c LeaderboardChart) error {
	canvas, err := newCanvas(path)
	if err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return fmt.Errorf("plot: leaderboard %q: %w", path, err)
	}
	w, h := c.Width, c.Height
	if w == 0 {
		w = LeaderboardWidth
	}
	if h == 0 {
		h = LeaderboardHeight(len(c.Bars))
	}
	if err := checkPixels(w, h); err != nil {
		return fmt.Errorf("plot: leaderboard %q: %w", path, err)
	}
	n := len(c.Bars)

	// gonum puts category 0 at the bottom; bar i goes to slot n-1-i so
	// the first bar is on top.
	means := make(plotter.Values, n)
	names := make([]string, n)
	pts := errPoints{XYs: make(plotter.XYs, n), XErrors: make(plotter.XErrors, n)}
	labels := plotter.XYLabels{XYs: make(plotter.XYs, n), Labels: make([]string, n)}
	prec := decimals(c.Bars)
	for i, b := range c.Bars {
		k := n - 1 - i
		means[k], names[k] = b.Mean, b.Name
		pts.XYs[k] = plotter.XY{X: b.Mean, Y: float64(k)}
		pts.XErrors[k].Low, pts.XErrors[k].High = b.Std, b.Std
		// Labels sit inside the bars from zero, clear of the reference
		// lines and legend on the right.
		labels.XYs[k] = plotter.XY{X: 0, Y: float64(k)}
		labels.Labels[k] = barLabel(b, prec)
	}

	// Bars take 60% of their slot: the height left after the fixed
	// overhead, split over n. The real data area is a little taller,
	// which only widens the gaps.
	slot := max((px(h)-px(leaderboardBase))/vg.Length(n), vg.Points(2))
	bars, err := plotter.NewBarChart(means, slot*0.6)
	if err != nil {
		return fmt.Errorf("plot: leaderboard %q: %w", path, err)
	}
	bars.Horizontal = true
	bars.Color = barColor
	bars.LineStyle.Width = 0
	whiskers, err := plotter.NewXErrorBars(pts)
	if err != nil {
		return fmt.Errorf("plot: leaderboard %q: %w", path, err)
	}
	text, err := plotter.NewLabels(labels)
	if err != nil {
		return fmt.Errorf("plot: leaderboard %q: %w", path, err)
	}
	text.Offset = vg.Point{X: vg.Points(4)}
	for i := range text.TextStyle {
		text.TextStyle[i].YAlign = draw.YCenter
	}

	p := gplot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.Metric
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil // lines through the bars' centres are noise
	p.Add(grid, bars, whiskers, text)
	p.NominalY(names...)

	// Leave room above the top bar for one legend row per reference;
	// the lines stop below it so they never cross the legend.
	lo, hi := -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = lo, hi
	if len(c.References) > 0 {
		p.Y.Max += float64(vg.Points(16)*vg.Length(len(c.References))) / float64(slot)
		p.Legend.Top = true
	}
	for j, r := range c.References {
		ref, err := plotter.NewLine(plotter.XYs{{X: r.Value, Y: lo}, {X: r.Value, Y: hi}})
		if err != nil {
			return fmt.Errorf("plot: leaderboard %q: reference %d (%q): %w", path, j, r.Label, err)
		}
		ref.Color = plotutil.DarkColors[j%len(plotutil.DarkColors)]
		ref.Width = vg.Points(1.5)
		ref.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(ref)
		p.Legend.Add(r.Label+" ("+strconv.FormatFloat(r.Value, 'g', 4, 64)+")", ref)
	}

	cw := canvas(w, h)
	p.Draw(draw.New(cw))
	return writeAtomic(path, cw)
}

// errPoints feeds bar centres and their ±std to gonum's XErrorBars.
type errPoints struct {
	plotter.XYs
	plotter.XErrors
}

// decimals is the number of decimals that gives the largest |Mean| four
// significant digits, enough to separate AUCs differing in the third
// decimal; every label uses it so the column reads evenly. It is -1,
// meaning four significant digits each, when fixed decimals would be
// too long (very small or very large metrics).
func decimals(bars []Bar) int {
	m := 0.0
	for _, b := range bars {
		m = math.Max(m, math.Abs(b.Mean))
	}
	switch {
	case m == 0:
		return 4
	case m < 1e-3 || m >= 1e6:
		return -1
	}
	return max(0, 3-int(math.Floor(math.Log10(m))))
}

// barLabel reads e.g. "0.7812 ± 0.0021 (n=5)".
func barLabel(b Bar, prec int) string {
	num := func(x float64) string {
		if prec < 0 {
			return strconv.FormatFloat(x, 'g', 4, 64)
		}
		return strconv.FormatFloat(x, 'f', prec, 64)
	}
	s := num(b.Mean)
	if b.Std > 0 {
		s += " ± " + num(b.Std)
	}
	if b.N > 0 {
		s += " (n=" + strconv.Itoa(b.N) + ")"
	}
	return s
}

// check rejects charts that would draw nothing or something false.
func (c LeaderboardChart) check() error {
	if len(c.Bars) == 0 {
		return fmt.Errorf("no bars")
	}
	for _, t := range [][2]string{{"Title", c.Title}, {"Metric", c.Metric}} {
		if err := checkText(t[0], t[1]); err != nil {
			return err
		}
	}
	if c.Width != 0 && c.Width < minSide {
		return fmt.Errorf("Width = %d px, want 0 (default) or ≥ %d", c.Width, minSide)
	}
	if c.Height != 0 && c.Height < minSide {
		return fmt.Errorf("Height = %d px, want 0 (default) or ≥ %d", c.Height, minSide)
	}
	for i, b := range c.Bars {
		switch {
		case b.Name == "":
			return fmt.Errorf("bar %d: empty name", i)
		case checkText("Name", b.Name) != nil:
			return fmt.Errorf("bar %d: %w", i, checkText("Name", b.Name))
		case !finite(b.Mean):
			return fmt.Errorf("bar %d (%q): Mean = %v, want a finite value", i, b.Name, b.Mean)
		case !finite(b.Std) || b.Std < 0:
			return fmt.Errorf("bar %d (%q): Std = %v, want a finite value ≥ 0", i, b.Name, b.Std)
		case b.N < 0:
			return fmt.Errorf("bar %d (%q): N = %d, want ≥ 0", i, b.Name, b.N)
		}
	}
	lo, hi := 0.0, 0.0 // the bars start at zero
	for _, b := range c.Bars {
		lo, hi = math.Min(lo, b.Mean-b.Std), math.Max(hi, b.Mean+b.Std)
	}
	for j, r := range c.References {
		switch {
		case r.Label == "":
			return fmt.Errorf("reference %d: empty label", j)
		case checkText("Label", r.Label) != nil:
			return fmt.Errorf("reference %d: %w", j, checkText("Label", r.Label))
		case !finite(r.Value):
			return fmt.Errorf("reference %d (%q): Value = %v, want a finite value", j, r.Label, r.Value)
		}
		lo, hi = math.Min(lo, r.Value), math.Max(hi, r.Value)
	}
	return checkSpan("metric", lo, hi)
}

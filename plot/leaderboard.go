package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
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

// LeaderboardChart describes a leaderboard: one horizontal bar per
// model, listed top to bottom in the order given, with a ±Std error bar
// and its "mean ± std" in a column right of the chart, plus dashed
// vertical References named in the legend. The value axis spans the data
// (means ± std and references, with a small margin), not 0 to the best
// score, so close scores stay apart; its label says so when it leaves
// out 0.
type LeaderboardChart struct {
	Title      string
	Metric     string // the value axis label
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
	b, err := c.layout(h)
	if err != nil {
		return fmt.Errorf("plot: leaderboard %q: %w", path, err)
	}
	cw := canvas(w, h)
	dc := drawTitle(draw.New(cw), c.Title)
	area := draw.Crop(dc, b.margin, -b.column, 0, 0)
	b.plot.Draw(area)
	// The values go in a column of their own, level with their bars,
	// where neither bars, error bars nor reference lines can cross them.
	da := b.plot.DataCanvas(area)
	_, ty := b.plot.Transforms(&da)
	for k, s := range b.labels {
		dc.FillText(b.labelStyle, vg.Point{X: area.Max.X + columnGap, Y: ty(float64(k))}, s)
	}
	return writeAtomic(path, cw)
}

// columnGap separates the value column from the chart.
var columnGap = vg.Points(6)

// boardLayout is a leaderboard built but not drawn.
type boardLayout struct {
	plot       *gplot.Plot
	labels     []string // value label of slot k, counted from the bottom
	labelStyle text.Style
	column     vg.Length // width of the value column
	margin     vg.Length // left of the names, for a wider substitute font
	errorBars  int       // bars drawn with an error bar
	truncated  bool      // the value axis leaves out 0
}

// layout builds c's plot for a chart h pixels high; c has been checked.
func (c LeaderboardChart) layout(h int) (*boardLayout, error) {
	n := len(c.Bars)
	common := commonN(c.Bars)
	// gonum puts category 0 at the bottom; bar i goes to slot n-1-i so
	// the first bar is on top.
	means := make(plotter.Values, n)
	names := make([]string, n)
	var pts errPoints
	b := &boardLayout{labels: make([]string, n)}
	prec := decimals(c.Bars)
	for i, bar := range c.Bars {
		k := n - 1 - i
		means[k], names[k] = bar.Mean, bar.Name
		if hasErrorBar(bar) {
			pts.XYs = append(pts.XYs, plotter.XY{X: bar.Mean, Y: float64(k)})
			pts.XErrors = append(pts.XErrors, struct{ Low, High float64 }{bar.Std, bar.Std})
		}
		b.labels[k] = barLabel(bar, prec, common == 0)
	}
	b.errorBars = len(pts.XYs)
	// Bars take 60% of their slot: the height left after the fixed
	// overhead, split over n. The real data area is a little taller,
	// which only widens the gaps.
	slot := max((px(h)-px(leaderboardBase))/vg.Length(n), vg.Points(2))
	bars, err := plotter.NewBarChart(means, slot*0.6)
	if err != nil {
		return nil, err
	}
	bars.Horizontal = true
	bars.Color = barColor
	bars.LineStyle.Width = 0

	p := newPlot()
	p.Y.Tick.Label.Font.Size = vg.Points(11)
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil // lines through the bars' centres are noise
	p.Add(grid, bars)
	if len(pts.XYs) > 0 {
		whiskers, err := plotter.NewXErrorBars(pts)
		if err != nil {
			return nil, err
		}
		p.Add(whiskers)
	}
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
			return nil, fmt.Errorf("reference %d (%q): %w", j, r.Label, err)
		}
		ref.Color = plotutil.DarkColors[j%len(plotutil.DarkColors)]
		ref.Width = vg.Points(1.5)
		ref.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(ref)
		p.Legend.Add(r.Label+" ("+strconv.FormatFloat(r.Value, 'g', 4, 64)+")", ref)
	}
	// Bars start at the axis minimum when it is above 0: gonum draws
	// them from 0 and clips them to the data area.
	var notes []string
	p.X.Min, p.X.Max, b.truncated = c.valueRange()
	p.X.Tick.Marker = valueTicks{}
	switch {
	case common == 1:
		notes = append(notes, "1 run each")
	case common > 1:
		notes = append(notes, "mean ± std over "+strconv.Itoa(common)+" runs")
	}
	switch {
	case b.truncated && p.X.Min > 0:
		notes = append(notes, "axis does not start at 0")
	case b.truncated:
		notes = append(notes, "axis does not end at 0")
	}
	p.X.Label.Text = c.Metric
	if len(notes) > 0 {
		note := strings.Join(notes, "; ")
		if c.Metric != "" {
			note = c.Metric + " (" + note + ")"
		}
		p.X.Label.Text = note
	}
	b.plot = p

	b.labelStyle = p.Y.Tick.Label
	b.labelStyle.XAlign, b.labelStyle.YAlign = draw.XLeft, draw.YCenter
	var widest vg.Length
	for _, s := range b.labels {
		widest = max(widest, b.labelStyle.Width(s))
	}
	b.column = columnGap + vg.Length(textRoom)*widest + vg.Points(4)
	widest = 0
	for _, s := range names {
		widest = max(widest, p.Y.Tick.Label.Width(s))
	}
	b.margin = vg.Length(textRoom-1)*widest + vg.Points(2)
	return b, nil
}

// valueRange is the value axis: the bars' means ± their drawn std and
// the references, 10% of that span added on the left (so the lowest bar
// keeps a visible length) and 5% on the right. It reaches 0 when that at
// most doubles it, since a bar from 0 then costs little; otherwise
// truncated is true and the bars start at the axis minimum.
func (c LeaderboardChart) valueRange() (lo, hi float64, truncated bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, b := range c.Bars {
		s := 0.0
		if hasErrorBar(b) {
			s = b.Std
		}
		lo, hi = math.Min(lo, b.Mean-s), math.Max(hi, b.Mean+s)
	}
	for _, r := range c.References {
		lo, hi = math.Min(lo, r.Value), math.Max(hi, r.Value)
	}
	span := hi - lo
	if span == 0 { // one bar, or all equal
		span = 0.1 * math.Abs(hi)
		if span == 0 {
			span = 1
		}
	}
	lo, hi = lo-0.1*span, hi+0.05*span
	switch {
	case lo > 0 && lo <= hi-lo:
		lo = 0
	case hi < 0 && -hi <= hi-lo:
		hi = 0
	}
	return lo, hi, lo > 0 || hi < 0
}

// valueTicks labels about six round values, twice gonum's default: on
// an axis spanning a few hundredths they are what bars are read against.
type valueTicks struct{}

// Ticks implements gplot.Ticker.
func (valueTicks) Ticks(lo, hi float64) []gplot.Tick {
	raw := (hi - lo) / 6
	if !(raw > 0) || !finite(raw) {
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	// Just enough decimals to tell the ticks apart: 0.0025 needs four.
	dec := 0
	for ; dec < 15; dec++ {
		v := step * math.Pow10(dec)
		if math.Abs(v-math.Round(v)) < 1e-6*v {
			break
		}
	}
	start := math.Ceil(lo / step)
	if start+1 == start { // steps below the values' precision
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ts []gplot.Tick
	for i := start; i*step <= hi && len(ts) < 20; i++ {
		v := i * step
		if i == 0 {
			v = 0 // never "-0"
		}
		ts = append(ts, gplot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return ts
}

// hasErrorBar reports whether b gets an error bar and a "± std": not
// when there is no spread or only one run to have one.
func hasErrorBar(b Bar) bool { return b.Std > 0 && b.N != 1 }

// commonN is the run count all bars share, or 0 when they differ or are
// unknown (N 0). A shared count is said once, in the axis label, rather
// than after every value.
func commonN(bars []Bar) int {
	n := bars[0].N
	for _, b := range bars[1:] {
		if b.N != n {
			return 0
		}
	}
	return n
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

// barLabel reads e.g. "0.7812 ± 0.0021 (n=5)"; the run count only when
// withN and there is more than one run.
func barLabel(b Bar, prec int, withN bool) string {
	num := func(x float64) string {
		if prec < 0 {
			return strconv.FormatFloat(x, 'g', 4, 64)
		}
		return strconv.FormatFloat(x, 'f', prec, 64)
	}
	s := num(b.Mean)
	if hasErrorBar(b) {
		s += " ± " + num(b.Std)
	}
	if withN && b.N > 1 {
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
	for j, r := range c.References {
		switch {
		case r.Label == "":
			return fmt.Errorf("reference %d: empty label", j)
		case checkText("Label", r.Label) != nil:
			return fmt.Errorf("reference %d: %w", j, checkText("Label", r.Label))
		case !finite(r.Value):
			return fmt.Errorf("reference %d (%q): Value = %v, want a finite value", j, r.Label, r.Value)
		}
	}
	// The bars' own extent is checked first: a std that overflows the
	// mean must not hide behind an axis range of ±Inf.
	for i, b := range c.Bars {
		if err := checkSpan("metric", b.Mean-b.Std, b.Mean+b.Std); err != nil {
			return fmt.Errorf("bar %d (%q): %w", i, b.Name, err)
		}
	}
	lo, hi, _ := c.valueRange()
	return checkSpan("metric", lo, hi)
}

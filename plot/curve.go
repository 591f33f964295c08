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

// Learning-curve size in pixels: every panel gets PanelHeight, so an
// n-panel chart is CurveWidth × n·PanelHeight (wider only when the legend
// needs more than half of CurveWidth).
const (
	CurveWidth  = 800
	PanelHeight = 320
)

// Series is one named curve: Y[i] measured at X[i] (an epoch or step).
type Series struct {
	Name string
	X, Y []float64
}

// Panel is one set of axes sharing a y label, e.g. train and valid loss.
type Panel struct {
	YLabel string
	Series []Series
}

// CurveChart describes a learning-curve chart: panels stacked top to
// bottom over one shared x axis.
type CurveChart struct {
	Title  string
	XLabel string // below the last panel
	Panels []Panel
	// Marks are labelled vertical lines drawn across every panel, such as
	// the best epoch (the one whose weights the model keeps); the legend
	// reads "Label (Value)".
	Marks []Line
}

// LearningCurve draws c and writes it to path (.svg or .png). Each series
// is a line with point markers, coloured by name so a series that appears
// in several panels keeps its colour; one legend for the whole chart sits
// right of the panels, where it hides no data. All panels share the x
// range and ticks, and their data areas are aligned so x positions line
// up. A panel whose values are all equal (one epoch, say) gets a small
// range around them instead of gonum's ±1.
func LearningCurve(path string, c CurveChart) error {
	canvas, err := newCanvas(path)
	if err != nil {
		return err
	}
	n := len(c.Panels)
	// Before building anything: a runaway panel count fails fast.
	if err := checkPixels(CurveWidth, PanelHeight*max(n, 1)); err != nil {
		return fmt.Errorf("plot: learning curve %q: %d panels: %w", path, n, err)
	}
	f, err := c.figure()
	if err != nil {
		return fmt.Errorf("plot: learning curve %q: %w", path, err)
	}
	// The legend takes what it needs; the panels keep at least half the
	// default width, the chart growing wider rather than cutting text.
	strip := legendWidth(&f.legend)
	w := max(CurveWidth, CurveWidth/2+int(math.Ceil(float64(strip)*DPI/float64(vg.Inch))))
	h := PanelHeight * n
	if err := checkPixels(w, h); err != nil {
		return fmt.Errorf("plot: learning curve %q: %d panels: %w", path, n, err)
	}
	cw := canvas(w, h)
	dc := drawTitle(draw.New(cw), c.Title)
	area := draw.Crop(dc, 0, -strip, 0, 0)
	tiles := draw.Tiles{
		Rows: n, Cols: 1,
		PadY:   vg.Points(10),
		PadTop: vg.Points(4), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(8),
	}
	grid := make([][]*gplot.Plot, n)
	for i, p := range f.plots {
		grid[i] = []*gplot.Plot{p}
	}
	var top vg.Length
	for i, cs := range gplot.Align(grid, tiles, area) {
		f.plots[i].Draw(cs[0])
		if i == 0 {
			top = f.plots[0].DataCanvas(cs[0]).Max.Y
		}
	}
	lc := dc
	lc.Min.X, lc.Max.Y = area.Max.X+vg.Points(8), top
	f.legend.Draw(lc)
	return writeAtomic(path, cw)
}

// figure is a learning-curve chart built but not drawn: one gonum plot per
// panel and the chart's legend.
type figure struct {
	plots  []*gplot.Plot
	legend gplot.Legend
}

// legendWidth is the room the legend needs beside the panels: a gap, the
// icons and the longest entry with textRoom to spare.
func legendWidth(l *gplot.Legend) vg.Length {
	r := l.Rectangle(draw.Canvas{})
	return vg.Points(8) + vg.Length(textRoom)*r.Size().X + vg.Points(8)
}

// figure checks c and builds its plots and legend.
func (c CurveChart) figure() (*figure, error) {
	if len(c.Panels) == 0 {
		return nil, fmt.Errorf("no panels")
	}
	for _, t := range [][2]string{{"title", c.Title}, {"xlabel", c.XLabel}} {
		if err := checkText(t[0], t[1]); err != nil {
			return nil, err
		}
	}
	xmin, xmax := math.Inf(1), math.Inf(-1)
	integral := true // every x a whole number: ticks at whole numbers only
	for i, p := range c.Panels {
		if len(p.Series) == 0 {
			return nil, fmt.Errorf("panel %d (%q): no series", i, p.YLabel)
		}
		if err := checkText("YLabel", p.YLabel); err != nil {
			return nil, fmt.Errorf("panel %d (%q): %w", i, p.YLabel, err)
		}
		for j, s := range p.Series {
			if err := checkSeries(s); err != nil {
				return nil, fmt.Errorf("panel %d (%q): series %d (%q): %w", i, p.YLabel, j, s.Name, err)
			}
			for _, x := range s.X {
				xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
				integral = integral && x == math.Trunc(x)
			}
		}
	}
	for j, m := range c.Marks {
		switch {
		case m.Label == "":
			return nil, fmt.Errorf("mark %d: empty label", j)
		case checkText("Label", m.Label) != nil:
			return nil, fmt.Errorf("mark %d: %w", j, checkText("Label", m.Label))
		case !finite(m.Value):
			return nil, fmt.Errorf("mark %d (%q): Value = %v, want a finite value", j, m.Label, m.Value)
		}
		xmin, xmax = math.Min(xmin, m.Value), math.Max(xmax, m.Value)
		integral = integral && m.Value == math.Trunc(m.Value)
	}
	if err := checkSpan("x", xmin, xmax); err != nil {
		return nil, err
	}
	if xmin == xmax { // one epoch: a unit-wide axis centred on it
		xmin, xmax = xmin-0.5, xmax+0.5
	}

	f := &figure{legend: newLegend()}
	colour := map[string]int{} // series name → colour index, first seen first
	for i, p := range c.Panels {
		pl := newPlot()
		pl.Y.Label.Text = p.YLabel
		pl.Add(plotter.NewGrid())
		ymin, ymax := math.Inf(1), math.Inf(-1)
		for _, s := range p.Series {
			for _, y := range s.Y {
				ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
			}
		}
		ymin, ymax = yRange(ymin, ymax)
		if err := checkSpan("y", ymin, ymax); err != nil {
			return nil, fmt.Errorf("panel %d (%q): %w", i, p.YLabel, err)
		}
		for j, m := range c.Marks {
			ln, err := plotter.NewLine(plotter.XYs{{X: m.Value, Y: ymin}, {X: m.Value, Y: ymax}})
			if err != nil {
				return nil, fmt.Errorf("mark %d (%q): %w", j, m.Label, err)
			}
			ln.Color = markColour(j)
			ln.Width = vg.Points(1.5)
			ln.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			pl.Add(ln)
			if i == 0 {
				f.legend.Add(m.Label+" ("+strconv.FormatFloat(m.Value, 'g', 4, 64)+")", ln)
			}
		}
		for j, s := range p.Series {
			xys := make(plotter.XYs, len(s.X))
			for k := range xys {
				xys[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, fmt.Errorf("panel %d (%q): series %d (%q): %w", i, p.YLabel, j, s.Name, err)
			}
			k, seen := colour[s.Name]
			if !seen {
				k = len(colour)
				colour[s.Name] = k
			}
			line.Color = plotutil.Color(k)
			points.Color = plotutil.Color(k)
			points.Shape = plotutil.Shape(k)
			pl.Add(line, points)
			if !seen {
				f.legend.Add(s.Name, line, points)
			}
		}
		pl.X.Min, pl.X.Max = xmin, xmax
		pl.Y.Min, pl.Y.Max = ymin, ymax
		if integral {
			pl.X.Tick.Marker = wholeTicks{}
		}
		f.plots = append(f.plots, pl)
	}
	f.plots[len(f.plots)-1].X.Label.Text = c.XLabel
	return f, nil
}

// yRange pads [lo, hi] by 5% on each side so no point sits on the frame.
// Equal ends (one epoch, or a flat curve) get ±5% of the value (±1 around
// zero) instead of gonum's fixed ±1, which squeezes an AUC of 0.75 into
// a third of the panel.
func yRange(lo, hi float64) (float64, float64) {
	if d := hi - lo; d > 0 {
		return lo - 0.05*d, hi + 0.05*d
	}
	d := 0.05 * math.Abs(lo)
	if d == 0 {
		d = 1
	}
	return lo - d, hi + d
}

// markColour is mark j's colour: dark grey for the first (usually the
// only one, the best epoch), so it stands apart from the series' colours.
func markColour(j int) color.Color {
	if j == 0 {
		return color.Gray{Y: 80}
	}
	return plotutil.DarkColors[(j-1)%len(plotutil.DarkColors)]
}

// wholeTicks are gonum's default ticks without those between whole
// numbers: half an epoch means nothing.
type wholeTicks struct{}

// Ticks implements gplot.Ticker.
func (wholeTicks) Ticks(lo, hi float64) []gplot.Tick {
	var ts []gplot.Tick
	labelled := false
	for _, t := range (gplot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			if !t.IsMinor() {
				t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64) // "1", not "1.0"
				labelled = true
			}
			ts = append(ts, t)
		}
	}
	if labelled || hi-lo > 10 {
		return ts
	}
	// A range too narrow for whole-number labels at the default step
	// (one to a few epochs): label every whole number in it.
	ts = ts[:0]
	for v := math.Ceil(lo); v <= hi; v++ {
		ts = append(ts, gplot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ts
}

// checkSeries rejects curves that would draw nothing or something false.
func checkSeries(s Series) error {
	switch {
	case s.Name == "":
		return fmt.Errorf("empty name (needed for the legend)")
	case checkText("Name", s.Name) != nil:
		return checkText("Name", s.Name)
	case len(s.X) == 0:
		return fmt.Errorf("no points")
	case len(s.X) != len(s.Y):
		return fmt.Errorf("X has %d values but Y has %d", len(s.X), len(s.Y))
	}
	if i := firstNonFinite(s.X); i >= 0 {
		return fmt.Errorf("X[%d] = %v, want a finite value", i, s.X[i])
	}
	if i := firstNonFinite(s.Y); i >= 0 {
		return fmt.Errorf("Y[%d] = %v, want a finite value", i, s.Y[i])
	}
	return nil
}

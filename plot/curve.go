package plot

import (
	"fmt"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Learning-curve size in pixels: every panel gets the full width and
// PanelHeight, so an n-panel chart is CurveWidth × n·PanelHeight.
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

// LearningCurve draws panels stacked top to bottom, each series as a
// line with point markers and a legend entry, and writes the chart to
// path (.svg or .png). The title goes above the first panel and xlabel
// below the last; their data areas are aligned so x positions line up.
func LearningCurve(path, title, xlabel string, panels []Panel) error {
	canvas, err := newCanvas(path)
	if err != nil {
		return err
	}
	if len(panels) == 0 {
		return fmt.Errorf("plot: learning curve %q: no panels", path)
	}
	for _, t := range [][2]string{{"title", title}, {"xlabel", xlabel}} {
		if err := checkText(t[0], t[1]); err != nil {
			return fmt.Errorf("plot: learning curve %q: %w", path, err)
		}
	}
	if err := checkPixels(CurveWidth, PanelHeight*len(panels)); err != nil {
		return fmt.Errorf("plot: learning curve %q: %d panels: %w", path, len(panels), err)
	}
	plots := make([][]*gplot.Plot, len(panels))
	for i, p := range panels {
		pl, err := panelPlot(p)
		if err != nil {
			return fmt.Errorf("plot: learning curve %q: panel %d (%q): %w", path, i, p.YLabel, err)
		}
		plots[i] = []*gplot.Plot{pl}
	}
	plots[0][0].Title.Text = title
	plots[len(plots)-1][0].X.Label.Text = xlabel

	c := canvas(CurveWidth, PanelHeight*len(panels))
	tiles := draw.Tiles{
		Rows: len(panels), Cols: 1,
		PadY:   vg.Points(10),
		PadTop: vg.Points(4), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(8),
	}
	dc := draw.New(c)
	for i, cs := range gplot.Align(plots, tiles, dc) {
		plots[i][0].Draw(cs[0])
	}
	return writeAtomic(path, c)
}

// panelPlot checks one panel and builds its plot.
func panelPlot(p Panel) (*gplot.Plot, error) {
	if len(p.Series) == 0 {
		return nil, fmt.Errorf("no series")
	}
	if err := checkText("YLabel", p.YLabel); err != nil {
		return nil, err
	}
	pl := gplot.New()
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	var ends float64 // mean of the curves' last values
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for j, s := range p.Series {
		if err := checkSeries(s); err != nil {
			return nil, fmt.Errorf("series %d (%q): %w", j, s.Name, err)
		}
		xys := make(plotter.XYs, len(s.X))
		for k := range xys {
			xys[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("series %d (%q): %w", j, s.Name, err)
		}
		line.Color = plotutil.Color(j)
		points.Color = plotutil.Color(j)
		points.Shape = plotutil.Shape(j)
		pl.Add(line, points)
		pl.Legend.Add(s.Name, line, points)
		ends += s.Y[len(s.Y)-1]
		for k := range s.X {
			xmin, xmax = math.Min(xmin, s.X[k]), math.Max(xmax, s.X[k])
			ymin, ymax = math.Min(ymin, s.Y[k]), math.Max(ymax, s.Y[k])
		}
	}
	if err := checkSpan("x", xmin, xmax); err != nil {
		return nil, err
	}
	if err := checkSpan("y", ymin, ymax); err != nil {
		return nil, err
	}
	// Losses end low and AUCs end high; put the legend in the top corner
	// when the curves finish in the lower half, else in the bottom one,
	// so it rarely hides the part of the curve that matters.
	ends /= float64(len(p.Series))
	pl.Legend.Top = ymax == ymin || (ends-ymin)/(ymax-ymin) < 0.5
	return pl, nil
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

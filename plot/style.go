package plot

import (
	"bytes"
	"io"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Text is set in Liberation Sans, which gonum embeds (so PNGs render it
// and every layout measures with its metrics) and which has the same
// advance widths as Arial and Helvetica, so an SVG viewer that lacks it
// but has one of those draws text exactly as wide as it was measured.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// svgFamilies maps the family gonum writes into SVG text to a list with
// metric-compatible fallbacks and a generic family last. Without it a
// viewer lacking Liberation falls back to its default font, often a much
// wider serif (DejaVu Serif is about 26% wider than Liberation Serif).
var svgFamilies = []struct{ from, to string }{
	{"font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"},
	{"font-family:Liberation Serif;", "font-family:'Liberation Serif','Times New Roman',Times,serif;"},
	{"font-family:Liberation Mono;", "font-family:'Liberation Mono','Courier New',Courier,monospace;"},
}

// textRoom is the factor by which space reserved for left-aligned text
// (legend entries, leaderboard values) exceeds its measured width: room
// for a substituted font that is wider than Liberation Sans (DejaVu Sans,
// the usual Linux fallback, is about 15% wider).
const textRoom = 1.25

// handler draws text like gonum's plain handler; on an SVG canvas it
// positions centred and right-aligned text by its anchor (text-anchor
// middle or end) instead of by a start computed from the measured width,
// so text in a substituted font still centres on, or ends at, the point
// the layout chose and never runs into the axis or past the edge.
type handler struct{ text.Plain }

var textHandler = handler{text.Plain{Fonts: font.DefaultCache}}

// Draw implements text.Handler.
func (h handler) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	svg := svgOf(c)
	anchor := ""
	switch sty.XAlign {
	case draw.XCenter:
		anchor = "middle"
	case draw.XRight:
		anchor = "end"
	}
	if svg == nil || anchor == "" {
		h.Plain.Draw(c, txt, sty, pt)
		return
	}
	sty.XAlign = draw.XLeft
	svg.anchor = anchor
	h.Plain.Draw(c, txt, sty, pt)
	svg.anchor = ""
}

// svgOf returns the svgCanvas under c, or nil when c draws something else.
func svgOf(c vg.Canvas) *svgCanvas {
	for {
		switch t := c.(type) {
		case *svgCanvas:
			return t
		case *draw.Canvas:
			c = t.Canvas
		case draw.Canvas:
			c = t.Canvas
		default:
			return nil
		}
	}
}

// svgCanvas is gonum's SVG canvas with two fixes applied when written:
// each text element gets the anchor it was drawn with, and the font
// family gets fallbacks (see svgFamilies).
type svgCanvas struct {
	*vgsvg.Canvas
	anchor  string   // set by handler around one text's FillString
	anchors []string // the anchor of each <text> element, in order
}

// FillString implements vg.Canvas, noting the anchor of the text element
// gonum's canvas writes.
func (c *svgCanvas) FillString(f font.Face, pt vg.Point, s string) {
	c.anchors = append(c.anchors, c.anchor)
	c.Canvas.FillString(f, pt, s)
}

// WriteTo implements vg.CanvasWriterTo.
func (c *svgCanvas) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if _, err := c.Canvas.WriteTo(&buf); err != nil {
		return 0, err
	}
	out := buf.Bytes()
	for _, f := range svgFamilies {
		out = bytes.ReplaceAll(out, []byte(f.from), []byte(f.to))
	}
	// gonum writes exactly one "<text " per FillString and escapes "<"
	// in the text itself, so the i-th occurrence is the i-th string drawn.
	var fixed bytes.Buffer
	tag := []byte("<text ")
	for i := 0; ; i++ {
		j := bytes.Index(out, tag)
		if j < 0 {
			fixed.Write(out)
			break
		}
		fixed.Write(out[:j+len(tag)])
		out = out[j+len(tag):]
		if i < len(c.anchors) && c.anchors[i] != "" {
			fixed.WriteString(`text-anchor="` + c.anchors[i] + `" `)
		}
	}
	n, err := w.Write(fixed.Bytes())
	return int64(n), err
}

// style sets the font (size kept) and handler of a text style.
func style(s *text.Style) {
	s.Font = font.From(sans, s.Font.Size)
	s.Handler = textHandler
}

// newPlot returns a gonum plot whose text uses the package's font and
// handler.
func newPlot() *gplot.Plot {
	p := gplot.New()
	p.TextHandler = textHandler
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.Legend.TextStyle,
		&p.X.Label.TextStyle, &p.X.Tick.Label, &p.Y.Label.TextStyle, &p.Y.Tick.Label} {
		style(s)
	}
	// Room between the y label and the tick labels, which a wider
	// substitute font extends towards it.
	p.Y.Label.Padding = vg.Points(6)
	return p
}

// newLegend returns an empty legend in the package's font, icons on the
// left and text after them.
func newLegend() gplot.Legend {
	l := gplot.NewLegend()
	style(&l.TextStyle)
	l.TextStyle.Font.Size = vg.Points(11)
	l.Left, l.Top = true, true
	return l
}

// drawTitle writes title centred at the top of c and returns the canvas
// left below it; gonum's own title would centre on one plot, not on the
// whole figure.
func drawTitle(c draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return c
	}
	sty := newPlot().Title
	c.FillText(sty.TextStyle, vg.Point{X: c.Center().X, Y: c.Max.Y}, title)
	c.Max.Y -= sty.TextStyle.Height(title) + vg.Points(6)
	return c
}

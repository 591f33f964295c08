package plot

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// svgText is one <text> element: its string and its position with y
// pointing up the page (gonum flips the axis, so y="-v" means height v).
type svgText struct {
	S       string
	X, Y    float64
	Anchor  string  // text-anchor: "", "middle" or "end"
	Size    float64 // font-size in pt
	Family  string  // font-family
	Rotated bool    // inside a rotated group: X and Y are not page positions
}

// svgDoc is what the tests read back from an SVG file.
type svgDoc struct {
	Width, Height string // root attributes, e.g. "600pt"
	Texts         []svgText
	Dashed        int // paths stroked with a dash pattern
}

// texts returns the text elements reading s.
func (d svgDoc) texts(s string) []svgText {
	var out []svgText
	for _, x := range d.Texts {
		if x.S == s {
			out = append(out, x)
		}
	}
	return out
}

// styleOf returns the value of property in a style attribute.
func styleOf(style, property string) string {
	for _, kv := range strings.Split(style, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), ":"); ok && k == property {
			return v
		}
	}
	return ""
}

// readSVG parses path with encoding/xml to the end, which fails on any
// malformed markup, and collects the root size and every text element.
func readSVG(t *testing.T, path string) svgDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var doc svgDoc
	dec := xml.NewDecoder(f)
	var cur *svgText
	depth := 0
	var rotated []bool // per open <g>: does it (or one above) rotate?
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", path, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			attr := func(name string) string {
				for _, a := range tok.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch tok.Name.Local {
			case "svg":
				if depth != 1 {
					t.Fatalf("nested <svg> at depth %d", depth)
				}
				doc.Width, doc.Height = attr("width"), attr("height")
			case "g":
				r := strings.Contains(attr("transform"), "rotate")
				if n := len(rotated); n > 0 {
					r = r || rotated[n-1]
				}
				rotated = append(rotated, r)
			case "text":
				x, _ := strconv.ParseFloat(attr("x"), 64)
				y, _ := strconv.ParseFloat(attr("y"), 64)
				size, _ := strconv.ParseFloat(strings.TrimSuffix(styleOf(attr("style"), "font-size"), "px"), 64)
				cur = &svgText{X: x, Y: -y, Anchor: attr("text-anchor"), Size: size, Family: styleOf(attr("style"), "font-family"),
					Rotated: len(rotated) > 0 && rotated[len(rotated)-1]}
			case "path":
				if strings.Contains(attr("style"), "stroke-dasharray") {
					doc.Dashed++
				}
			}
		case xml.CharData:
			if cur != nil {
				cur.S += string(tok)
			}
		case xml.EndElement:
			depth--
			if tok.Name.Local == "g" {
				rotated = rotated[:len(rotated)-1]
			}
			if tok.Name.Local == "text" && cur != nil {
				doc.Texts = append(doc.Texts, *cur)
				cur = nil
			}
		}
	}
	if doc.Width == "" {
		t.Fatalf("%s has no <svg> root", path)
	}
	return doc
}

// find returns the text element reading exactly s.
func (d svgDoc) find(t *testing.T, s string) svgText {
	t.Helper()
	for _, x := range d.Texts {
		if x.S == s {
			return x
		}
	}
	var all []string
	for _, x := range d.Texts {
		all = append(all, x.S)
	}
	t.Fatalf("no text %q in SVG; texts: %q", s, all)
	return svgText{}
}

// readPNG decodes path and returns the image.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s does not decode as PNG: %v", path, err)
	}
	return img
}

// pt is the SVG size attribute for n pixels: n/DPI inches at 72 pt/in.
func pt(n int) string {
	return strconv.FormatFloat(float64(n)*72/DPI, 'g', -1, 64) + "pt"
}

// dirNames lists dir, to spot leftover temporary files.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func ramp(n int, f func(float64) float64) (x, y []float64) {
	for i := 1; i <= n; i++ {
		x = append(x, float64(i))
		y = append(y, f(float64(i)))
	}
	return x, y
}

// twoPanels is a loss panel (train, valid) over an AUC panel.
func twoPanels() []Panel {
	x, train := ramp(10, func(e float64) float64 { return 0.4 + 0.5*math.Exp(-e/3) })
	_, valid := ramp(10, func(e float64) float64 { return 0.45 + 0.45*math.Exp(-e/3) })
	_, auc := ramp(10, func(e float64) float64 { return 0.8 - 0.1*math.Exp(-e/2) })
	return []Panel{
		{YLabel: "log loss", Series: []Series{{"train loss", x, train}, {"valid loss", x, valid}}},
		{YLabel: "AUC", Series: []Series{{"valid AUC", x, auc}}},
	}
}

func board() LeaderboardChart {
	return LeaderboardChart{
		Title:  "synthetic CTR, 5 seeds",
		Metric: "test AUC",
		Bars: []Bar{
			{Name: "xDeepFM", Mean: 0.79123, Std: 0.00131, N: 5},
			{Name: "DeepFM", Mean: 0.79011, Std: 0.00214, N: 5},
			{Name: "FM", Mean: 0.77118, Std: 0.00081, N: 5},
			{Name: "LR", Mean: 0.74012, N: 1},
		},
		References: []Line{{Label: "oracle AUC", Value: 0.81234}},
	}
}

func TestLearningCurveSVG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "curve.svg")
	if err := LearningCurve(path, CurveChart{Title: "DeepFM on synth", XLabel: "epoch", Panels: twoPanels()}); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, path)
	if doc.Width != pt(CurveWidth) || doc.Height != pt(2*PanelHeight) {
		t.Errorf("SVG size %s×%s, want %s×%s", doc.Width, doc.Height, pt(CurveWidth), pt(2*PanelHeight))
	}
	for _, s := range []string{"DeepFM on synth", "epoch", "log loss", "AUC", "train loss", "valid loss", "valid AUC"} {
		doc.find(t, s)
	}
	// The title sits above both panels' legends.
	title := doc.find(t, "DeepFM on synth")
	for _, s := range []string{"train loss", "valid AUC"} {
		if y := doc.find(t, s).Y; y >= title.Y {
			t.Errorf("legend %q at height %g, not below the title at %g", s, y, title.Y)
		}
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"curve.svg"}) {
		t.Errorf("directory holds %q, want only curve.svg", got)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("mode %v, want 0644", perm)
	}
}

// One legend for the chart, right of every panel's data: the series'
// names appear once, to the right of all tick labels, and the legend's
// top is level with the first panel's data, below the title.
func TestLearningCurveLegendOutsidePanels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.svg")
	panels := twoPanels()
	// The AUC panel repeats "valid loss": it keeps one legend entry.
	panels[1].Series = append(panels[1].Series, Series{"valid loss", panels[0].Series[1].X, panels[1].Series[0].Y})
	if err := LearningCurve(path, CurveChart{Title: "t", XLabel: "epoch", Panels: panels}); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, path)
	ticks := 0.0 // the rightmost tick label
	for _, x := range doc.Texts {
		if _, err := strconv.ParseFloat(x.S, 64); err == nil {
			ticks = math.Max(ticks, x.X)
		}
	}
	for _, name := range []string{"train loss", "valid loss", "valid AUC"} {
		got := doc.texts(name)
		if len(got) != 1 {
			t.Errorf("%d texts read %q, want one legend entry", len(got), name)
			continue
		}
		if got[0].X <= ticks {
			t.Errorf("legend entry %q at x %g, not right of the tick labels (rightmost at %g)", name, got[0].X, ticks)
		}
	}
	if title := doc.find(t, "t"); doc.find(t, "train loss").Y >= title.Y {
		t.Errorf("legend at height %g, not below the title at %g", doc.find(t, "train loss").Y, title.Y)
	}
}

func TestLearningCurvePNG(t *testing.T) {
	dir := t.TempDir()
	for n := 1; n <= 2; n++ {
		path := filepath.Join(dir, "curve"+strconv.Itoa(n)+".PNG") // extension case does not matter
		if err := LearningCurve(path, CurveChart{Title: "t", XLabel: "epoch", Panels: twoPanels()[:n]}); err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, path)
		if b := img.Bounds(); b.Dx() != CurveWidth || b.Dy() != n*PanelHeight {
			t.Errorf("%d panels: PNG is %d×%d, want %d×%d", n, b.Dx(), b.Dy(), CurveWidth, n*PanelHeight)
		}
		// Something besides the white background was drawn.
		b := img.Bounds()
		ink := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r&g&bl != 0xffff {
					ink++
				}
			}
		}
		if ink < 1000 {
			t.Errorf("%d panels: only %d non-white pixels", n, ink)
		}
	}
}

func TestLeaderboardSVG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "board.svg")
	c := board()
	if err := Leaderboard(path, c); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, path)
	if doc.Width != pt(LeaderboardWidth) || doc.Height != pt(LeaderboardHeight(4)) {
		t.Errorf("SVG size %s×%s, want %s×%s", doc.Width, doc.Height, pt(LeaderboardWidth), pt(LeaderboardHeight(4)))
	}
	doc.find(t, c.Title)
	// The means span 0.74–0.81: the axis leaves out 0 and says so.
	doc.find(t, c.Metric+" (axis does not start at 0)")
	doc.find(t, "oracle AUC (0.8123)")
	// Four significant digits on the largest mean, the same decimals on
	// all; the run count where the bars differ in it and it is above 1.
	for _, s := range []string{"0.7912 ± 0.0013 (n=5)", "0.7901 ± 0.0021 (n=5)", "0.7712 ± 0.0008 (n=5)", "0.7401"} {
		doc.find(t, s)
	}
	// Bars read top to bottom in the order given.
	prev := math.Inf(1)
	for _, b := range c.Bars {
		y := doc.find(t, b.Name).Y
		if y >= prev {
			t.Errorf("bar %q at height %g, not below the previous bar at %g", b.Name, y, prev)
		}
		prev = y
	}
	// One dashed stroke for the reference line, one for its legend swatch.
	if doc.Dashed != 2 {
		t.Errorf("%d dashed paths, want 2 (reference line and legend swatch)", doc.Dashed)
	}
}

func TestLeaderboardPNG(t *testing.T) {
	dir := t.TempDir()
	c := board()
	for _, size := range []struct{ w, h, wantW, wantH int }{
		{0, 0, LeaderboardWidth, LeaderboardHeight(len(c.Bars))},
		{640, 300, 640, 300},
	} {
		c.Width, c.Height = size.w, size.h
		path := filepath.Join(dir, "board.png")
		if err := Leaderboard(path, c); err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, path)
		if b := img.Bounds(); b.Dx() != size.wantW || b.Dy() != size.wantH {
			t.Errorf("Width %d Height %d: PNG is %d×%d, want %d×%d", size.w, size.h, b.Dx(), b.Dy(), size.wantW, size.wantH)
		}
		// The bars are filled rectangles, so their colour appears exactly.
		fill := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r>>8 == uint32(barColor.R) && g>>8 == uint32(barColor.G) && bl>>8 == uint32(barColor.B) {
					fill++
				}
			}
		}
		if fill < 1000 {
			t.Errorf("Width %d Height %d: only %d bar-coloured pixels", size.w, size.h, fill)
		}
	}
}

func TestBarLabel(t *testing.T) {
	for _, c := range []struct {
		bars  []Bar
		withN bool
		want  string // label of bars[0]
	}{
		{[]Bar{{Mean: 0.78123, Std: 0.00214, N: 5}}, true, "0.7812 ± 0.0021 (n=5)"},
		{[]Bar{{Mean: 0.78123, Std: 0.00214, N: 5}}, false, "0.7812 ± 0.0021"},
		{[]Bar{{Mean: 0.5, N: 0}, {Mean: 0.9}}, true, "0.5000"},
		{[]Bar{{Mean: 12.345, Std: 0.5, N: 3}}, true, "12.35 ± 0.50 (n=3)"},
		{[]Bar{{Mean: -1234.4}}, true, "-1234"},
		{[]Bar{{Mean: 0}}, true, "0.0000"},
		{[]Bar{{Mean: 2.5e-5, Std: 1e-6, N: 2}}, true, "2.5e-05 ± 1e-06 (n=2)"},
		{[]Bar{{Mean: 3e7}}, true, "3e+07"},
		// One run: no "(n=1)", and no "± std" it cannot have.
		{[]Bar{{Mean: 0.7, Std: 0.01, N: 1}}, true, "0.7000"},
		// A std of unknown runs is shown.
		{[]Bar{{Mean: 0.7, Std: 0.01}}, true, "0.7000 ± 0.0100"},
	} {
		if got := barLabel(c.bars[0], decimals(c.bars), c.withN); got != c.want {
			t.Errorf("barLabel(%+v) = %q, want %q", c.bars[0], got, c.want)
		}
	}
}

func TestUnsupportedExtension(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"chart.pdf", "chart", "chart.svg.txt"} {
		path := filepath.Join(dir, name)
		err := LearningCurve(path, CurveChart{Title: "t", XLabel: "x", Panels: twoPanels()})
		if err == nil || !strings.Contains(err.Error(), ".svg or .png") {
			t.Errorf("LearningCurve(%q) error %v, want one naming .svg or .png", name, err)
		}
		err = Leaderboard(path, board())
		if err == nil || !strings.Contains(err.Error(), ".svg or .png") {
			t.Errorf("Leaderboard(%q) error %v, want one naming .svg or .png", name, err)
		}
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("failed calls left %q behind", got)
	}
}

func TestLearningCurveRejectsBadInput(t *testing.T) {
	x, y := []float64{1, 2, 3}, []float64{0.5, 0.4, 0.3}
	one := func(s Series) []Panel { return []Panel{{YLabel: "loss", Series: []Series{s}}} }
	for _, c := range []struct {
		name   string
		panels []Panel
		want   string
	}{
		{"no panels", nil, "no panels"},
		{"empty panel", []Panel{{YLabel: "loss"}}, `panel 0 ("loss"): no series`},
		{"no name", one(Series{X: x, Y: y}), "empty name"},
		{"no points", one(Series{Name: "a"}), "no points"},
		{"lengths", one(Series{Name: "a", X: x, Y: y[:2]}), "X has 3 values but Y has 2"},
		{"NaN X", one(Series{Name: "a", X: []float64{1, math.NaN(), 3}, Y: y}), "X[1] = NaN"},
		{"Inf Y", one(Series{Name: "a", X: x, Y: []float64{0.5, 0.4, math.Inf(-1)}}), "Y[2] = -Inf"},
		{"span", one(Series{Name: "a", X: x, Y: []float64{-1e308, 0, 1e308}}), "too wide"},
		{"second panel", append(twoPanels(), Panel{YLabel: "AUC", Series: []Series{{Name: "a", X: x, Y: []float64{1, math.NaN(), 1}}}}),
			`panel 2 ("AUC"): series 0 ("a"): Y[1] = NaN`},
		{"too many panels", make([]Panel, 1000), "pixel limit"},
		{"control in name", one(Series{Name: "a\x00b", X: x, Y: y}), `Name "a\x00b" has a control character at byte 1`},
		{"bad UTF-8 label", []Panel{{YLabel: "\xff", Series: []Series{{Name: "a", X: x, Y: y}}}}, "YLabel \"\\xff\" is not valid UTF-8"},
	} {
		path := filepath.Join(t.TempDir(), "c.svg")
		err := LearningCurve(path, CurveChart{Title: "t", XLabel: "x", Panels: c.panels})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
			t.Errorf("%s: failed call created %s", c.name, path)
		}
	}
}

// Bad title and axis labels are rejected like bad series names.
func TestLearningCurveRejectsBadTitle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.svg")
	if err := LearningCurve(path, CurveChart{Title: "t\x1b[0m", XLabel: "x", Panels: twoPanels()}); err == nil || !strings.Contains(err.Error(), "title") {
		t.Errorf("control character in title: error %v, want one naming title", err)
	}
	if err := LearningCurve(path, CurveChart{Title: "t", XLabel: "\xc3", Panels: twoPanels()}); err == nil || !strings.Contains(err.Error(), "xlabel") {
		t.Errorf("invalid UTF-8 in xlabel: error %v, want one naming xlabel", err)
	}
}

func TestLeaderboardRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*LeaderboardChart)
		want string
	}{
		{"no bars", func(c *LeaderboardChart) { c.Bars = nil }, "no bars"},
		{"no name", func(c *LeaderboardChart) { c.Bars[1].Name = "" }, "bar 1: empty name"},
		{"NaN mean", func(c *LeaderboardChart) { c.Bars[2].Mean = math.NaN() }, `bar 2 ("FM"): Mean = NaN`},
		{"Inf std", func(c *LeaderboardChart) { c.Bars[0].Std = math.Inf(1) }, "Std = +Inf"},
		{"negative std", func(c *LeaderboardChart) { c.Bars[0].Std = -0.1 }, "Std = -0.1"},
		{"negative N", func(c *LeaderboardChart) { c.Bars[3].N = -1 }, "N = -1"},
		{"ref label", func(c *LeaderboardChart) { c.References[0].Label = "" }, "reference 0: empty label"},
		{"ref NaN", func(c *LeaderboardChart) { c.References[0].Value = math.NaN() }, "Value = NaN"},
		{"span", func(c *LeaderboardChart) { c.Bars[0].Mean, c.References[0].Value = 1e308, -1e308 }, "too wide"},
		{"overflowing std", func(c *LeaderboardChart) { c.Bars[0].Mean, c.Bars[0].Std = 1e308, 1e308 }, "too wide"},
		{"tiny width", func(c *LeaderboardChart) { c.Width = 50 }, "Width = 50"},
		{"negative height", func(c *LeaderboardChart) { c.Height = -1 }, "Height = -1"},
		{"huge", func(c *LeaderboardChart) { c.Width, c.Height = 1<<40, 1<<40 }, "pixel limit"},
		{"control in title", func(c *LeaderboardChart) { c.Title = "a\tb" }, "Title"},
		{"bad UTF-8 name", func(c *LeaderboardChart) { c.Bars[1].Name = "x\xfe" }, "bar 1: Name"},
		{"control in reference", func(c *LeaderboardChart) { c.References[0].Label = "\n" }, "reference 0: Label"},
	} {
		b := board()
		c.edit(&b)
		path := filepath.Join(t.TempDir(), "b.png")
		err := Leaderboard(path, b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
			t.Errorf("%s: failed call created %s", c.name, path)
		}
	}
}

// A failed call leaves an existing chart exactly as it was, whether it
// fails on input or on the final rename; a good call replaces it.
func TestExistingFileKeptOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "board.svg")
	old := []byte("previous chart")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := board()
	bad.Bars[0].Mean = math.Inf(1)
	if err := Leaderboard(path, bad); err == nil {
		t.Fatal("Leaderboard accepted an infinite mean")
	}
	if err := LearningCurve(path, CurveChart{Title: "t", XLabel: "x", Panels: []Panel{{Series: []Series{{Name: "a", X: []float64{1}}}}}}); err == nil {
		t.Fatal("LearningCurve accepted mismatched lengths")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("failed calls changed the file to %q", got)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"board.svg"}) {
		t.Errorf("directory holds %q, want only board.svg", got)
	}
	if err := Leaderboard(path, board()); err != nil {
		t.Fatal(err)
	}
	readSVG(t, path).find(t, "xDeepFM")
}

func TestWriteFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	// The target is a non-empty directory: rendering and the temporary
	// file succeed, the rename cannot.
	target := filepath.Join(dir, "busy.svg")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := LearningCurve(target, CurveChart{Title: "t", XLabel: "x", Panels: twoPanels()}); err == nil {
		t.Fatal("writing over a non-empty directory succeeded")
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"busy.svg"}) {
		t.Errorf("directory holds %q after the failed rename, want only busy.svg", got)
	}
	if got := dirNames(t, target); !slices.Equal(got, []string{"inside"}) {
		t.Errorf("target directory changed to %q", got)
	}
	// A missing directory fails before anything is written.
	if err := Leaderboard(filepath.Join(dir, "missing", "b.png"), board()); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// Same input, same bytes: charts can be diffed and checked in.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".svg", ".png"} {
		var out [2][]byte
		for i := range out {
			a := filepath.Join(dir, "a"+strconv.Itoa(i)+ext)
			b := filepath.Join(dir, "b"+strconv.Itoa(i)+ext)
			if err := LearningCurve(a, CurveChart{Title: "t", XLabel: "epoch", Panels: twoPanels()}); err != nil {
				t.Fatal(err)
			}
			if err := Leaderboard(b, board()); err != nil {
				t.Fatal(err)
			}
			ab, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			out[i] = append(ab, bb...)
		}
		if !bytes.Equal(out[0], out[1]) {
			t.Errorf("%s output differs between identical calls", ext)
		}
	}
}

// Markup characters and non-ASCII text in names survive as text.
func TestSVGEscapesNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.svg")
	name := `<b>DCN & "DCN-V2" ≥ FM's</b> µ`
	x, y := ramp(3, func(e float64) float64 { return e })
	if err := LearningCurve(path, CurveChart{Title: name, XLabel: "x", Panels: []Panel{{YLabel: "y", Series: []Series{{name, x, y}}}}}); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, path)
	n := 0
	for _, tx := range doc.Texts {
		if tx.S == name {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d text elements read %q, want 2 (title and legend)", n, name)
	}
}

// closeBoard is a leaderboard whose means differ in the third decimal.
func closeBoard() LeaderboardChart {
	return LeaderboardChart{
		Title: "close", Metric: "auc",
		Bars: []Bar{
			{Name: "a", Mean: 0.70, Std: 0.01, N: 3},
			{Name: "b", Mean: 0.72, Std: 0, N: 3},
		},
		References: []Line{{Label: "oracle", Value: 0.75}},
	}
}

// The value axis spans the data, not 0 to the best score: hand-computed
// as [lo − 10% span, hi + 5% span] over the means ± std and references,
// and widened to 0 only when that at most doubles it.
func TestLeaderboardAxisSpansData(t *testing.T) {
	for _, c := range []struct {
		name      string
		chart     LeaderboardChart
		min, max  float64
		truncated bool
		label     string
	}{
		// lo 0.69 (a's mean − std), hi 0.75 (oracle), span 0.06.
		{"close", closeBoard(), 0.684, 0.753, true, "auc (mean ± std over 3 runs; axis does not start at 0)"},
		// lo 0.3, hi 0.8: 0.25 − 0 is under the span 0.575, so from 0.
		{"wide", LeaderboardChart{Metric: "auc", Bars: []Bar{{Name: "a", Mean: 0.3, N: 1}, {Name: "b", Mean: 0.8, N: 1}}},
			0, 0.825, false, "auc (1 run each)"},
		// All negative and far from 0: the axis stops short of it.
		{"negative", LeaderboardChart{Metric: "ll", Bars: []Bar{{Name: "a", Mean: -5}, {Name: "b", Mean: -4}}},
			-5.1, -3.95, true, "ll (axis does not end at 0)"},
		// One bar: a span of 10% of its value.
		{"one bar", LeaderboardChart{Bars: []Bar{{Name: "a", Mean: 0.8}}}, 0.792, 0.804, true, "axis does not start at 0"},
	} {
		if err := c.chart.check(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, err := c.chart.layout(LeaderboardHeight(len(c.chart.Bars)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(b.plot.X.Min-c.min) > 1e-12 || math.Abs(b.plot.X.Max-c.max) > 1e-12 {
			t.Errorf("%s: value axis [%g, %g], want [%g, %g]", c.name, b.plot.X.Min, b.plot.X.Max, c.min, c.max)
		}
		if b.truncated != c.truncated || b.plot.X.Label.Text != c.label {
			t.Errorf("%s: truncated %v, label %q; want %v, %q", c.name, b.truncated, b.plot.X.Label.Text, c.truncated, c.label)
		}
	}
	// The note reaches the file.
	path := filepath.Join(t.TempDir(), "b.svg")
	if err := Leaderboard(path, closeBoard()); err != nil {
		t.Fatal(err)
	}
	readSVG(t, path).find(t, "auc (mean ± std over 3 runs; axis does not start at 0)")
}

// Error bars only where there is a spread over several runs; "(n=K)"
// only where the bars differ in K and K > 1, else K once in the axis
// label.
func TestLeaderboardRuns(t *testing.T) {
	for _, c := range []struct {
		name      string
		bars      []Bar
		errorBars int
		labels    []string // top to bottom
		note      string   // in the axis label
	}{
		{"single runs", []Bar{{Name: "a", Mean: 0.7, N: 1}, {Name: "b", Mean: 0.71, N: 1}},
			0, []string{"0.7000", "0.7100"}, "1 run each"},
		{"five runs each", []Bar{{Name: "a", Mean: 0.7, Std: 0.01, N: 5}, {Name: "b", Mean: 0.71, Std: 0, N: 5}},
			1, []string{"0.7000 ± 0.0100", "0.7100"}, "mean ± std over 5 runs"},
		{"mixed", []Bar{{Name: "a", Mean: 0.7, Std: 0.01, N: 5}, {Name: "b", Mean: 0.71, Std: 0.02, N: 3}, {Name: "c", Mean: 0.72, Std: 0.03, N: 1}},
			2, []string{"0.7000 ± 0.0100 (n=5)", "0.7100 ± 0.0200 (n=3)", "0.7200"}, ""},
	} {
		chart := LeaderboardChart{Metric: "auc", Bars: c.bars}
		b, err := chart.layout(LeaderboardHeight(len(c.bars)))
		if err != nil {
			t.Fatal(err)
		}
		if b.errorBars != c.errorBars {
			t.Errorf("%s: %d error bars, want %d", c.name, b.errorBars, c.errorBars)
		}
		got := slices.Clone(b.labels)
		slices.Reverse(got) // slots count from the bottom
		if !slices.Equal(got, c.labels) {
			t.Errorf("%s: labels %q, want %q", c.name, got, c.labels)
		}
		if c.note != "" && !strings.Contains(b.plot.X.Label.Text, c.note) || c.note == "" && strings.Contains(b.plot.X.Label.Text, "run") {
			t.Errorf("%s: axis label %q, want it to mention %q", c.name, b.plot.X.Label.Text, c.note)
		}
		path := filepath.Join(t.TempDir(), "b.svg")
		if err := Leaderboard(path, chart); err != nil {
			t.Fatal(err)
		}
		for _, x := range readSVG(t, path).Texts {
			if strings.Contains(x.S, "n=1") {
				t.Errorf("%s: SVG text %q", c.name, x.S)
			}
		}
	}
}

func TestValueTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{0.7671, 0.803, []string{"0.77", "0.78", "0.79", "0.80"}},
		{0.684, 0.753, []string{"0.70", "0.72", "0.74"}}, // step 0.02: 0.069/6 is over 0.01
		{0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-0.25, 0.25, []string{"-0.2", "-0.1", "0.0", "0.1", "0.2"}},
		{0.7991, 0.8003, []string{"0.7992", "0.7994", "0.7996", "0.7998", "0.8000", "0.8002"}},
	} {
		var got []string
		for _, tk := range (valueTicks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ticks on [%g, %g]: %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	// Values beyond float64's precision at the step fall back to gonum.
	if ts := (valueTicks{}).Ticks(1e20, 1e20+1e5); len(ts) == 0 {
		t.Error("no ticks on a range narrower than the values' precision")
	}
}

// The best epoch is a dashed line in every panel and one legend entry;
// the x axis reaches it even past the data.
func TestLearningCurveMarks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.svg")
	c := CurveChart{Title: "t", XLabel: "epoch", Panels: twoPanels(), Marks: []Line{{Label: "best epoch", Value: 12}}}
	if err := LearningCurve(path, c); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, path)
	if n := len(doc.texts("best epoch (12)")); n != 1 {
		t.Errorf("%d texts read %q, want 1", n, "best epoch (12)")
	}
	if doc.Dashed != 3 {
		t.Errorf("%d dashed paths, want 3 (one per panel and the legend swatch)", doc.Dashed)
	}
	f, err := c.figure()
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range f.plots {
		if p.X.Min != 1 || p.X.Max != 12 {
			t.Errorf("panel %d: x axis [%g, %g], want [1, 12]", i, p.X.Min, p.X.Max)
		}
	}
	for _, m := range []Line{{Label: "", Value: 1}, {Label: "best", Value: math.NaN()}, {Label: "a\nb", Value: 1}} {
		c.Marks = []Line{m}
		if err := LearningCurve(path, c); err == nil || !strings.Contains(err.Error(), "mark 0") {
			t.Errorf("mark %+v: error %v, want one naming mark 0", m, err)
		}
	}
}

// After one epoch each panel spans a small range around its values and
// the x axis one epoch around it, labelled "1" only.
func TestLearningCurveOneEpoch(t *testing.T) {
	one := []float64{1}
	c := CurveChart{Panels: []Panel{
		{YLabel: "loss", Series: []Series{{"train", one, []float64{0.48}}, {"valid", one, []float64{0.5}}}},
		{YLabel: "AUC", Series: []Series{{"valid AUC", one, []float64{0.76}}}},
		{YLabel: "zero", Series: []Series{{"flat", []float64{1, 1}, []float64{0, 0}}}},
	}}
	f, err := c.figure()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][2]float64{{0.479, 0.501}, {0.722, 0.798}, {-1, 1}} {
		p := f.plots[i]
		if math.Abs(p.Y.Min-want[0]) > 1e-12 || math.Abs(p.Y.Max-want[1]) > 1e-12 {
			t.Errorf("panel %d: y axis [%g, %g], want [%g, %g]", i, p.Y.Min, p.Y.Max, want[0], want[1])
		}
		if p.X.Min != 0.5 || p.X.Max != 1.5 {
			t.Errorf("panel %d: x axis [%g, %g], want [0.5, 1.5]", i, p.X.Min, p.X.Max)
		}
		var labels []string
		for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
			if !tk.IsMinor() {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, []string{"1"}) {
			t.Errorf("panel %d: x tick labels %q, want [1]", i, labels)
		}
	}
	// More epochs: whole-number ticks, no "2.5".
	x, y := ramp(5, func(e float64) float64 { return e })
	f, err = CurveChart{Panels: []Panel{{Series: []Series{{"s", x, y}}}}}.figure()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range f.plots[0].X.Tick.Marker.Ticks(1, 5) {
		if tk.Value != math.Trunc(tk.Value) || strings.Contains(tk.Label, ".") {
			t.Errorf("tick %+v between epochs", tk)
		}
	}
}

// drnPanels mimics recforge drn: five panels, three policies, the last
// panel without the first window (no observable returns yet).
func drnPanels() []Panel {
	var panels []Panel
	for m, label := range []string{"CTR", "precision@k", "nDCG@k", "ILS (cosine)", "return rate"} {
		p := Panel{YLabel: label}
		for j, name := range []string{"random", "offline-deepfm", "drn"} {
			s := Series{Name: name}
			for w := range 7 {
				if m == 4 && w == 0 {
					continue
				}
				s.X = append(s.X, 12+24*float64(w))
				s.Y = append(s.Y, 0.05*float64(j+1)+0.01*float64(w*j)+0.02*float64(m))
			}
			p.Series = append(p.Series, s)
		}
		panels = append(panels, p)
	}
	return panels
}

// Panels share the x range and ticks, and the chart has one legend.
func TestLearningCurveSharedX(t *testing.T) {
	c := CurveChart{Title: "generative world", XLabel: "simulated hours", Panels: drnPanels()}
	f, err := c.figure()
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range f.plots {
		if p.X.Min != 12 || p.X.Max != 156 {
			t.Errorf("panel %d: x axis [%g, %g], want [12, 156]", i, p.X.Min, p.X.Max)
		}
	}
	path := filepath.Join(t.TempDir(), "drn.svg")
	if err := LearningCurve(path, c); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, path)
	// x tick labels are the centred numbers: each appears once per panel,
	// at the same x in all.
	xs := map[string][]float64{}
	for _, x := range doc.Texts {
		if _, err := strconv.ParseFloat(x.S, 64); err == nil && x.Anchor == "middle" {
			xs[x.S] = append(xs[x.S], x.X)
		}
	}
	if len(xs) < 2 {
		t.Fatalf("x tick labels %v, want at least two", xs)
	}
	for s, at := range xs {
		if len(at) != len(c.Panels) || slices.Min(at) != slices.Max(at) {
			t.Errorf("x tick %q at %v, want one per panel (%d) at the same x", s, at, len(c.Panels))
		}
	}
	for _, name := range []string{"random", "offline-deepfm", "drn"} {
		if n := len(doc.texts(name)); n != 1 {
			t.Errorf("%d texts read %q, want one legend entry for the chart", n, name)
		}
	}
}

// SVG text names Liberation Sans with its metric twins and a generic
// fallback, is anchored where it is centred or right-aligned, and stays
// on the canvas in a font up to textRoom times wider than measured (a
// substituted font): the legend and values are never cut off.
func TestSVGTextFitsSubstituteFont(t *testing.T) {
	dir := t.TempDir()
	long := board()
	long.References = append(long.References, Line{Label: "first-order oracle of a much longer name", Value: 0.75})
	charts := map[string]func(string) error{
		"board.svg": func(p string) error { return Leaderboard(p, long) },
		"drn.svg": func(p string) error {
			return LearningCurve(p, CurveChart{Title: "drn", XLabel: "hours", Panels: drnPanels()})
		},
		"curve.svg": func(p string) error {
			return LearningCurve(p, CurveChart{Title: "t", XLabel: "epoch", Panels: twoPanels(), Marks: []Line{{Label: "best epoch", Value: 7}}})
		},
		"wide.svg": func(p string) error {
			x, y := ramp(3, func(e float64) float64 { return e })
			return LearningCurve(p, CurveChart{Panels: []Panel{{Series: []Series{{strings.Repeat("a very long series name ", 8), x, y}}}}})
		},
	}
	for name, draw := range charts {
		path := filepath.Join(dir, name)
		if err := draw(path); err != nil {
			t.Fatal(err)
		}
		doc := readSVG(t, path)
		width, _ := strconv.ParseFloat(strings.TrimSuffix(doc.Width, "pt"), 64)
		for _, x := range doc.Texts {
			if x.Family != "'Liberation Sans',Arial,Helvetica,sans-serif" {
				t.Errorf("%s: %q in font-family %q", name, x.S, x.Family)
			}
			if x.Rotated {
				continue
			}
			sty := textStyle(x.Size)
			w := textRoom * float64(sty.Width(x.S).Points())
			lo, hi := x.X, x.X+w
			switch x.Anchor {
			case "middle":
				lo, hi = x.X-w/2, x.X+w/2
			case "end":
				lo, hi = x.X-w, x.X
			}
			if lo < -1e-9 || hi > width+1e-9 {
				t.Errorf("%s: %q (anchor %q) spans x %.1f–%.1f in a %.0f%% wider font, outside 0–%g", name, x.S, x.Anchor, lo, hi, 100*(textRoom-1), width)
			}
		}
	}
	doc := readSVG(t, filepath.Join(dir, "board.svg"))
	for s, anchor := range map[string]string{"synthetic CTR, 5 seeds": "middle", "xDeepFM": "end", "0.7912 ± 0.0013 (n=5)": ""} {
		if got := doc.find(t, s).Anchor; got != anchor {
			t.Errorf("%q has text-anchor %q, want %q", s, got, anchor)
		}
	}
}

// textStyle is the package's text at size points, for measuring.
func textStyle(size float64) text.Style {
	return text.Style{Font: font.From(sans, vg.Points(size)), Handler: textHandler}
}

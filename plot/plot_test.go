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
)

// svgText is one <text> element: its string and its position with y
// pointing up the page (gonum flips the axis, so y="-v" means height v).
type svgText struct {
	S    string
	X, Y float64
}

// svgDoc is what the tests read back from an SVG file.
type svgDoc struct {
	Width, Height string // root attributes, e.g. "600pt"
	Texts         []svgText
	Dashed        int // paths stroked with a dash pattern
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
			case "text":
				x, _ := strconv.ParseFloat(attr("x"), 64)
				y, _ := strconv.ParseFloat(attr("y"), 64)
				cur = &svgText{X: x, Y: -y}
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
	if err := LearningCurve(path, "DeepFM on synth", "epoch", twoPanels()); err != nil {
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

// The legend goes in the half of the panel the curves leave free: the
// top for a falling loss, the bottom for a rising AUC.
func TestLearningCurveLegendAvoidsCurveEnd(t *testing.T) {
	dir := t.TempDir()
	x, down := ramp(10, func(e float64) float64 { return 1 / e })
	_, up := ramp(10, func(e float64) float64 { return 1 - 1/e })
	for _, c := range []struct {
		y   []float64
		top bool
	}{{down, true}, {up, false}} {
		path := filepath.Join(dir, "c.svg")
		if err := LearningCurve(path, "", "", []Panel{{Series: []Series{{"curve", x, c.y}}}}); err != nil {
			t.Fatal(err)
		}
		y := readSVG(t, path).find(t, "curve").Y
		mid := float64(PanelHeight) * 72 / DPI / 2
		if (y > mid) != c.top {
			t.Errorf("curve ending at %g: legend at height %g of %g, want top=%v", c.y[len(c.y)-1], y, 2*mid, c.top)
		}
	}
}

func TestLearningCurvePNG(t *testing.T) {
	dir := t.TempDir()
	for n := 1; n <= 2; n++ {
		path := filepath.Join(dir, "curve"+strconv.Itoa(n)+".PNG") // extension case does not matter
		if err := LearningCurve(path, "t", "epoch", twoPanels()[:n]); err != nil {
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
	doc.find(t, c.Metric)
	doc.find(t, "oracle AUC (0.8123)")
	// Four significant digits on the largest mean, the same decimals on all.
	for _, s := range []string{"0.7912 ± 0.0013 (n=5)", "0.7901 ± 0.0021 (n=5)", "0.7712 ± 0.0008 (n=5)", "0.7401 (n=1)"} {
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
		bars []Bar
		want string // label of bars[0]
	}{
		{[]Bar{{Mean: 0.78123, Std: 0.00214, N: 5}}, "0.7812 ± 0.0021 (n=5)"},
		{[]Bar{{Mean: 0.5, N: 0}, {Mean: 0.9}}, "0.5000"},
		{[]Bar{{Mean: 12.345, Std: 0.5, N: 3}}, "12.35 ± 0.50 (n=3)"},
		{[]Bar{{Mean: -1234.4}}, "-1234"},
		{[]Bar{{Mean: 0}}, "0.0000"},
		{[]Bar{{Mean: 2.5e-5, Std: 1e-6, N: 2}}, "2.5e-05 ± 1e-06 (n=2)"},
		{[]Bar{{Mean: 3e7}}, "3e+07"},
	} {
		if got := barLabel(c.bars[0], decimals(c.bars)); got != c.want {
			t.Errorf("barLabel(%+v) = %q, want %q", c.bars[0], got, c.want)
		}
	}
}

func TestUnsupportedExtension(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"chart.pdf", "chart", "chart.svg.txt"} {
		path := filepath.Join(dir, name)
		err := LearningCurve(path, "t", "x", twoPanels())
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
		err := LearningCurve(path, "t", "x", c.panels)
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
	if err := LearningCurve(path, "t\x1b[0m", "x", twoPanels()); err == nil || !strings.Contains(err.Error(), "title") {
		t.Errorf("control character in title: error %v, want one naming title", err)
	}
	if err := LearningCurve(path, "t", "\xc3", twoPanels()); err == nil || !strings.Contains(err.Error(), "xlabel") {
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
	if err := LearningCurve(path, "t", "x", []Panel{{Series: []Series{{Name: "a", X: []float64{1}}}}}); err == nil {
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
	if err := LearningCurve(target, "t", "x", twoPanels()); err == nil {
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
			if err := LearningCurve(a, "t", "epoch", twoPanels()); err != nil {
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
	if err := LearningCurve(path, name, "x", []Panel{{YLabel: "y", Series: []Series{{name, x, y}}}}); err != nil {
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

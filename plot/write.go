package plot

import (
	"io"

	"fmt"
	"math"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/recforge/recforge/internal/atomicfile"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI converts this package's pixel sizes to gonum's physical lengths.
// PNGs are rasterised at it, so a W×H chart is exactly W×H pixels; SVGs
// declare the same size in points (W·72/DPI pt).
const DPI = 96

// maxPixels bounds a chart's area so a runaway bar or panel count
// fails cleanly instead of allocating gigabytes for a PNG raster.
const maxPixels = 1 << 26

// minSide is the smallest width or height in pixels a chart may ask
// for; below it axes, title and legend no longer fit and gonum's layout
// can go negative.
const minSide = 100

// newCanvas returns a constructor for the canvas that writes the format
// named by path's extension.
func newCanvas(path string) (func(wPx, hPx int) vg.CanvasWriterTo, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".svg":
		return func(w, h int) vg.CanvasWriterTo { return &svgCanvas{Canvas: vgsvg.New(px(w), px(h))} }, nil
	case ".png":
		return func(w, h int) vg.CanvasWriterTo {
			return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(px(w), px(h)), vgimg.UseDPI(DPI))}
		}, nil
	default:
		return nil, fmt.Errorf("plot: %q: unsupported extension %q, want .svg or .png", path, ext)
	}
}

// px converts a pixel count to a physical length at DPI.
func px(n int) vg.Length { return vg.Length(n) * vg.Inch / DPI }

// writeAtomic writes c to a temporary file beside path and renames it
// over path, so readers see either the old file or the complete new
// one. On any error the temporary file is removed and path is untouched.
func writeAtomic(path string, c vg.CanvasWriterTo) error {
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("plot: write %q: %w", path, err)
	}
	return nil
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// firstNonFinite returns the index of the first NaN or infinite value
// in xs, or -1 when all are finite.
func firstNonFinite(xs []float64) int {
	for i, x := range xs {
		if !finite(x) {
			return i
		}
	}
	return -1
}

// checkSpan rejects an axis whose extent overflows float64: gonum's
// tick search never ends on an infinite range.
func checkSpan(axis string, lo, hi float64) error {
	if !finite(hi - lo) {
		return fmt.Errorf("%s values span [%g, %g], too wide to draw", axis, lo, hi)
	}
	return nil
}

// checkPixels rejects a chart larger than maxPixels.
func checkPixels(w, h int) error {
	if w > maxPixels/h { // h ≥ 1; dividing avoids overflow
		return fmt.Errorf("%d×%d px is over the %d-pixel limit", w, h, maxPixels)
	}
	return nil
}

// checkText rejects strings an SVG cannot hold: invalid UTF-8 and control
// characters are not allowed in XML text.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", field, s)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return fmt.Errorf("%s %q has a control character at byte %d", field, s, i)
	}
	return nil
}

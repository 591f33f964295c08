// Package plot draws the two charts recforge reports: learning curves
// (metric against epoch or step, one or more stacked panels sharing an x
// axis and one legend, optionally with marks such as the best epoch)
// and leaderboards (one bar per model with a ±std error bar where there
// is a spread, optionally with reference lines such as a synthetic
// generator's oracle AUC, on a value axis that spans the data rather
// than starting at 0, so that close scores stay apart).
//
// It is a thin layer over gonum.org/v1/plot that fixes the layout and
// styling so every report looks the same. The output format follows the
// file extension: .svg (the primary format) or .png. Files are written
// atomically: the chart is rendered in memory, written to a temporary
// sibling and renamed over the target, so a failed call never leaves a
// half-written file and never replaces an existing one.
//
// Fonts: text is measured with, and PNGs drawn in, Liberation Sans as
// embedded in gonum. An SVG only names its font, so a viewer without
// Liberation substitutes another; the SVG therefore lists Arial and
// Helvetica (same widths) and sans-serif after it, anchors centred and
// right-aligned text at its anchor point, and the layout leaves room for
// left-aligned text a quarter wider than measured, so a substituted font
// shifts no text into the axes and cuts none off at the edge.
//
// Boundaries: the package neither reads training logs nor computes
// statistics; callers pass finished numbers in. Every input is checked
// (empty series, mismatched lengths, NaN or infinite values) and bad
// input returns an error naming the offending field instead of
// producing a misleading picture.
package plot

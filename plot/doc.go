// Package plot draws the two charts recforge reports: learning curves
// (metric against epoch or step, one or more stacked panels) and
// leaderboards (one bar per model with a ±std error bar, optionally
// with reference lines such as a synthetic generator's oracle AUC).
//
// It is a thin layer over gonum.org/v1/plot that fixes the layout and
// styling so every report looks the same. The output format follows the
// file extension: .svg (the primary format) or .png. Files are written
// atomically: the chart is rendered in memory, written to a temporary
// sibling and renamed over the target, so a failed call never leaves a
// half-written file and never replaces an existing one.
//
// Boundaries: the package neither reads training logs nor computes
// statistics; callers pass finished numbers in. Every input is checked
// (empty series, mismatched lengths, NaN or infinite values) and bad
// input returns an error naming the offending field instead of
// producing a misleading picture.
package plot

package dataset

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// WriteText writes a readable report: the source's size and label, a
// table of its columns (or its sparse tokens) and the notes. The schema is
// left to the configuration built around it (pipeline.WriteInspection
// writes both).
func (ins *Inspection) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "source   %s\n", ins.Spec)
	rows := fmt.Sprintf("%d", ins.Rows)
	if ins.Skipped > 0 {
		rows += fmt.Sprintf(", %d malformed skipped", ins.Skipped)
	}
	if ins.Truncated {
		rows += " (stopped at the row limit: the source has more)"
	}
	fmt.Fprintf(bw, "rows     %s\n", rows)
	if l := ins.Label; l != nil {
		fmt.Fprintf(bw, "label    %s\n", labelLine(l))
	}
	if sp := ins.Sparse; sp != nil {
		kind := "index:value"
		if sp.FFM {
			kind = "field:index:value"
		}
		fmt.Fprintf(bw, "tokens   %s per row: min %d, max %d, mean %s\n", kind, sp.TokensMin, sp.TokensMax, num(sp.TokensMean))
		more := ""
		if sp.IndicesCapped {
			more = "more than "
		}
		fmt.Fprintf(bw, "indices  %d..%d, %s%d distinct\n", sp.IndexMin, sp.IndexMax, more, sp.Indices)
		if sp.FFM {
			fmt.Fprintf(bw, "fields   %d..%d\n", sp.FieldMin, sp.FieldMax)
		}
	}
	if len(ins.Columns) > 0 {
		fmt.Fprintln(bw)
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "COLUMN\tMISSING\tDISTINCT\tKIND\tMIN\tMAX\tMEAN\tTOP VALUES")
		for _, c := range ins.Columns {
			distinct := strconv.FormatInt(c.Distinct, 10)
			if c.DistinctCapped {
				distinct = ">" + distinct
			}
			kind, lo, hi, mean := "text", "", "", ""
			switch {
			case c.Numeric != nil:
				kind = "number"
				if c.Numeric.Integer {
					kind = "integer"
				}
				lo, hi, mean = num(c.Numeric.Min), num(c.Numeric.Max), num(c.Numeric.Mean)
			case c.Distinct == 0:
				kind = "empty"
			}
			top := make([]string, len(c.Top))
			for i, v := range c.Top {
				top[i] = fmt.Sprintf("%s ×%d", shown(v.Value), v.Count)
			}
			tops := strings.Join(top, ", ")
			if c.TopPartial && tops != "" {
				tops += " (among the first values seen)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", shown(c.Name), c.Missing, distinct, kind, lo, hi, mean, tops)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(ins.Notes) > 0 {
		fmt.Fprintln(bw, "\nnotes:")
		for _, n := range ins.Notes {
			fmt.Fprintf(bw, "  - %s\n", n)
		}
	}
	return bw.Flush()
}

// labelLine describes the label in one line.
func labelLine(l *LabelStats) string {
	switch {
	case l.Values == 0:
		return fmt.Sprintf("%s: no values", l.Column)
	case l.Binarized:
		return fmt.Sprintf("%s: %d positive of %d (rate %.4f) as the built-in schema's label option reads it", l.Column, l.Positives, l.Values, l.PositiveRate)
	case !l.Numeric:
		return fmt.Sprintf("%s: not numeric", l.Column)
	case l.Binary:
		return fmt.Sprintf("%s: %d positive of %d (rate %.4f)", l.Column, l.Positives, l.Values, l.PositiveRate)
	}
	return fmt.Sprintf("%s: %d values, mean %s (not binary: a regression target)", l.Column, l.Values, num(l.Mean))
}

// num formats a number briefly; whole numbers below 10¹⁵ in full, so that
// ids and timestamps read as they are written.
func num(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

// shown quotes a value that would be ambiguous in the table: empty, or
// holding spaces, commas or unprintable characters.
func shown(v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return strconv.Quote(v)
	}
	return v
}

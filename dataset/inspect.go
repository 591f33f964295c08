package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
)

// Defaults of InspectOptions.
const (
	// DefaultMaxDistinct is the number of distinct values counted exactly
	// per column before the count is reported as "more than".
	DefaultMaxDistinct = 100000
	// DefaultTopValues is the number of most frequent values reported per
	// column.
	DefaultTopValues = 3
)

// maxShown bounds the bytes of a value kept for display, so that memory
// stays bounded whatever the values' length.
const maxShown = 32

// InspectOptions tune Inspect.
type InspectOptions struct {
	// Read configures the reader. Set Read.SkipBad to count malformed rows
	// instead of stopping at the first.
	Read data.ReadOptions
	// MaxRows, when positive, stops after that many rows.
	MaxRows int
	// MaxDistinct caps the distinct values counted per column (default
	// DefaultMaxDistinct); each costs about 70 bytes while counted.
	MaxDistinct int
	// TopValues is the number of most frequent values reported per column
	// (default DefaultTopValues; negative: none).
	TopValues int
}

// Inspection describes a source: its size, its columns, its label, and a
// schema to start from. It marshals to JSON as is.
type Inspection struct {
	// Spec is the inspected source, "READER:PATH".
	Spec string `json:"spec"`
	// Rows counts the records read; Skipped the malformed ones skipped
	// (with InspectOptions.Read.SkipBad).
	Rows    int64 `json:"rows"`
	Skipped int64 `json:"skipped"`
	// Truncated is true when reading stopped at MaxRows with more records
	// left in the source.
	Truncated bool `json:"truncated,omitempty"`
	// Columns describes each column of a dense source, in the reader's
	// order; a sparse source has none (see Sparse).
	Columns []ColumnStats `json:"columns,omitempty"`
	// Label describes the label column, when one was found.
	Label *LabelStats `json:"label,omitempty"`
	// Sparse describes the feature tokens of a libFM, libSVM or libFFM
	// source.
	Sparse *SparseStats `json:"sparse,omitempty"`
	// Schema is the reader's built-in schema (SchemaKind "builtin") or one
	// guessed from the columns (SchemaKind "guessed"); nil when neither
	// applies.
	Schema     *feature.Schema `json:"schema,omitempty"`
	SchemaKind string          `json:"schema_kind,omitempty"`
	// Notes explain the schema's choices and flag oddities of the data.
	Notes []string `json:"notes,omitempty"`
}

// Schema kinds of an Inspection.
const (
	SchemaBuiltin = "builtin"
	SchemaGuessed = "guessed"
)

// ColumnStats describes one column of a dense source.
type ColumnStats struct {
	Name string `json:"name"`
	// Missing counts the empty values.
	Missing int64 `json:"missing"`
	// Distinct counts the distinct non-empty values; when DistinctCapped,
	// counting stopped there and the column has more.
	Distinct       int64 `json:"distinct"`
	DistinctCapped bool  `json:"distinct_capped,omitempty"`
	// Numeric summarizes the values when every non-empty one is a finite
	// number (and there is at least one); nil otherwise.
	Numeric *NumericSummary `json:"numeric,omitempty"`
	// Top lists the most frequent values, most frequent first (ties by
	// value), with exact counts. When TopPartial, the distinct count was
	// capped: only values first seen before the cap were candidates.
	Top        []ValueCount `json:"top,omitempty"`
	TopPartial bool         `json:"top_partial,omitempty"`
}

// NumericSummary summarizes a numeric column's non-empty values.
type NumericSummary struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	// Integer is true when every value is a whole number.
	Integer bool `json:"integer"`
}

// ValueCount is a value and its number of occurrences. Values longer than
// 32 bytes are shown cut, ending in "…".
type ValueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// LabelStats describes the label column.
type LabelStats struct {
	// Column is the label's column: the built-in schema's label, or else
	// the first column named label, click, clicked, y, target or rating
	// (in any case).
	Column string `json:"column"`
	// Values counts the non-empty labels; Numeric is whether they are all
	// numbers, and Mean their mean then.
	Values  int64   `json:"values"`
	Numeric bool    `json:"numeric"`
	Mean    float64 `json:"mean"`
	// Binary is true when every label is 0 or 1, or every label is -1 or
	// 1; Positives then counts the 1s and PositiveRate is Positives/Values.
	Binary bool `json:"binary"`
	// Binarized is true when the built-in schema's label option
	// (click_above or positive) made the label binary.
	Binarized    bool    `json:"binarized,omitempty"`
	Positives    int64   `json:"positives"`
	PositiveRate float64 `json:"positive_rate"`
}

// SparseStats describes the tokens of a sparse source.
type SparseStats struct {
	// FFM is true for field:index:value tokens (libFFM).
	FFM bool `json:"ffm"`
	// TokensMin, TokensMax and TokensMean describe the number of feature
	// tokens per row.
	TokensMin  int     `json:"tokens_min"`
	TokensMax  int     `json:"tokens_max"`
	TokensMean float64 `json:"tokens_mean"`
	// IndexMin and IndexMax bound the feature indices (0 and 0 when no row
	// has a token); Indices counts the distinct ones, up to MaxDistinct
	// (IndicesCapped past it).
	IndexMin      int64 `json:"index_min"`
	IndexMax      int64 `json:"index_max"`
	Indices       int64 `json:"indices"`
	IndicesCapped bool  `json:"indices_capped,omitempty"`
	// FieldMin and FieldMax bound the fields of libFFM tokens.
	FieldMin int64 `json:"field_min,omitempty"`
	FieldMax int64 `json:"field_max,omitempty"`
}

// labelNames are the column names taken for the label, lower-cased.
var labelNames = []string{"label", "click", "clicked", "y", "target", "rating"}

// Inspect streams the source named by spec once (or its first MaxRows
// rows) and describes it. Memory is bounded by MaxDistinct values per
// column, whatever the number of rows. The schema is the reader's built-in
// one when it has one (see DefaultSchema), else a guess (see GuessSchema);
// sparse sources get none, and notes on what reads them (see sparseNotes).
// Cancelling ctx stops the read with an error
// wrapping ctx's.
func Inspect(ctx context.Context, spec string, opts InspectOptions) (*Inspection, error) {
	if opts.MaxDistinct <= 0 {
		opts.MaxDistinct = DefaultMaxDistinct
	}
	if opts.TopValues == 0 {
		opts.TopValues = DefaultTopValues
	}
	builtin, hasBuiltin, err := DefaultSchema(spec)
	if err != nil {
		return nil, err
	}
	r, err := data.Open(spec, opts.Read)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ins := &Inspection{Spec: spec}
	if sp, ok := r.(data.SparseSource); ok && sp.Sparse() {
		ffm := false
		if f, ok := r.(interface{ FFM() bool }); ok {
			ffm = f.FFM()
		}
		oneHot, err := inspectSparse(ctx, r, ffm, opts, ins)
		if err != nil {
			return nil, err
		}
		ins.Notes = append(ins.Notes, sparseNotes(spec, ffm, oneHot, ins.Sparse)...)
		return ins, nil
	}
	labelCol := -1
	var labelField *feature.Field
	cols := r.Columns()
	if hasBuiltin {
		for _, f := range builtin.Fields {
			if f.Type == feature.Label {
				c := f.Column
				if c == "" {
					c = f.Name
				}
				labelCol = slices.Index(cols, c)
				labelField = &f
			}
		}
	} else {
		labelCol = findLabel(cols)
	}
	if err := inspectDense(ctx, r, labelCol, labelField, opts, ins); err != nil {
		return nil, err
	}
	if hasBuiltin {
		ins.Schema, ins.SchemaKind = builtin, SchemaBuiltin
		reader, _, _ := strings.Cut(spec, ":")
		ins.Notes = append(ins.Notes, fmt.Sprintf("the schema is the %s reader's built-in one, not a guess", reader))
		if _, err := feature.NewFitter(builtin, cols); err != nil {
			ins.Notes = append(ins.Notes, "the built-in schema does not fit these columns: "+err.Error())
		}
		return ins, nil
	}
	s, notes := GuessSchema(ins)
	ins.Notes = append(ins.Notes, notes...)
	if s != nil {
		ins.Schema, ins.SchemaKind = s, SchemaGuessed
	}
	return ins, nil
}

// findLabel returns the index of the first column with a label's name, or
// -1.
func findLabel(cols []string) int {
	for i, c := range cols {
		if slices.Contains(labelNames, strings.ToLower(c)) {
			return i
		}
	}
	return -1
}

// readRecords calls fn on each record of r, up to opts.MaxRows, and fills
// ins.Rows, ins.Skipped and ins.Truncated.
func readRecords(ctx context.Context, r data.Reader, opts InspectOptions, ins *Inspection, fn func(rec *data.Record) error) error {
	var rec data.Record
	for {
		if ins.Rows%checkEvery == 0 && ctx.Err() != nil {
			return fmt.Errorf("dataset: inspecting %s: stopped after %d rows: %w", ins.Spec, ins.Rows, ctx.Err())
		}
		if opts.MaxRows > 0 && ins.Rows == int64(opts.MaxRows) {
			// One more read tells whether the limit cut the source short;
			// a malformed row past it counts as more data, and rows it
			// skips are not ours to count.
			ins.Skipped = r.Skipped()
			err := r.Next(&rec)
			ins.Truncated = !errors.Is(err, io.EOF)
			return nil
		}
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := fn(&rec); err != nil {
			return err
		}
		ins.Rows++
	}
	ins.Skipped = r.Skipped()
	return nil
}

// inspectDense fills ins from a reader of named columns.
func inspectDense(ctx context.Context, r data.Reader, labelCol int, labelField *feature.Field, opts InspectOptions, ins *Inspection) error {
	names := r.Columns()
	trackers := make([]*tracker, len(names))
	for i := range trackers {
		trackers[i] = newTracker(opts.MaxDistinct)
	}
	lab := labelTracker{field: labelField}
	err := readRecords(ctx, r, opts, ins, func(rec *data.Record) error {
		if len(rec.Cols) != len(names) {
			return &data.ParseError{File: rec.File, Line: rec.Line,
				Msg: fmt.Sprintf("record has %d columns, the reader names %d", len(rec.Cols), len(names))}
		}
		for i, v := range rec.Cols {
			trackers[i].observe(v)
		}
		if labelCol >= 0 {
			lab.observe(rec.Cols[labelCol])
		}
		return nil
	})
	if err != nil {
		return err
	}
	ins.Columns = make([]ColumnStats, len(names))
	for i, t := range trackers {
		ins.Columns[i] = t.stats(names[i], opts.TopValues)
	}
	if labelCol >= 0 {
		ins.Label = lab.stats(names[labelCol])
	}
	return nil
}

// inspectSparse fills ins from a sparse reader: Cols[0] is the label and
// Cols[1:] the feature tokens, already checked by the reader.
func inspectSparse(ctx context.Context, r data.Reader, ffm bool, opts InspectOptions, ins *Inspection) (oneHot bool, err error) {
	st := &SparseStats{FFM: ffm, TokensMin: math.MaxInt, IndexMin: math.MaxInt64, FieldMin: math.MaxInt64, FieldMax: -1, IndexMax: -1}
	var lab labelTracker
	seen := make(map[int64]struct{})
	var tokens int64
	oneHot = true
	err = readRecords(ctx, r, opts, ins, func(rec *data.Record) error {
		lab.observe(rec.Cols[0])
		n := len(rec.Cols) - 1
		st.TokensMin, st.TokensMax = min(st.TokensMin, n), max(st.TokensMax, n)
		tokens += int64(n)
		for _, tok := range rec.Cols[1:] {
			if ffm {
				var field int64
				field, tok = leadingInt(tok)
				st.FieldMin, st.FieldMax = min(st.FieldMin, field), max(st.FieldMax, field)
			}
			idx, val := leadingInt(tok)
			if oneHot {
				v, err := strconv.ParseFloat(string(val), 64)
				oneHot = err == nil && v == 1
			}
			st.IndexMin, st.IndexMax = min(st.IndexMin, idx), max(st.IndexMax, idx)
			if _, ok := seen[idx]; !ok {
				if len(seen) < opts.MaxDistinct {
					seen[idx] = struct{}{}
				} else {
					st.IndicesCapped = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if ins.Rows == 0 {
		st.TokensMin = 0
	} else {
		st.TokensMean = float64(tokens) / float64(ins.Rows)
	}
	if st.IndexMax < 0 { // no token at all
		st.IndexMin, st.IndexMax = 0, 0
	}
	if st.FieldMax < 0 {
		st.FieldMin, st.FieldMax = 0, 0
	}
	st.Indices = int64(len(seen))
	ins.Sparse = st
	ins.Label = lab.stats("label")
	return oneHot, nil
}

// sparseNotes say what can be done with a sparse source: no schema can
// describe its rows, so nothing trains on it as it is read; a libFM file
// whose rows all hold the same number of index:1 tokens (one-hot, one per
// field) trains read as libfm-fields, and the notes say whether this one
// does.
func sparseNotes(spec string, ffm, oneHot bool, st *SparseStats) []string {
	reader, path, _ := strings.Cut(spec, ":")
	notes := []string{fmt.Sprintf("no schema, guessed or declared, describes %s rows (label and a varying number of tokens): "+
		"nothing trains on a %s: source yet", reader, reader)}
	const needs = "libfm-fields:, which trains, needs every row to hold the same number of index:1 tokens (one-hot, one per field); "
	switch {
	case ffm || st.TokensMax == 0:
	case st.TokensMin != st.TokensMax:
		notes = append(notes, needs+fmt.Sprintf("these rows hold %d to %d tokens", st.TokensMin, st.TokensMax))
	case !oneHot:
		notes = append(notes, needs+"some of these tokens' values are not 1")
	default:
		notes = append(notes, fmt.Sprintf("every row read holds %d index:1 tokens, one per field: read as libfm-fields:%s it has a built-in schema "+
			"(fields f1..f%d, categorical) and trains", st.TokensMin, path, st.TokensMin))
	}
	return notes
}

// leadingInt parses the non-negative integer before tok's first ':' and
// returns it with the rest after the colon. The sparse reader has checked
// the form; a value past int64 saturates.
func leadingInt(tok []byte) (int64, []byte) {
	var v int64
	for i, c := range tok {
		if c == ':' {
			return v, tok[i+1:]
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			v = math.MaxInt64
		} else {
			v = v*10 + d
		}
	}
	return v, nil
}

// tracker accumulates one column's statistics. Distinct values are keyed
// by a 64-bit hash (collisions among 10⁵ values: about 3·10⁻¹⁰) and keep
// only a display prefix, so memory per value is fixed.
type tracker struct {
	cap     int
	missing int64
	index   map[uint64]int32
	counts  []int64
	shown   []uint32 // value i's display text is arena[shown[i]:shown[i+1]]
	arena   []byte
	capped  bool

	numeric, integer bool
	min, max         float64
	mean             meanAcc
}

func newTracker(cap int) *tracker {
	return &tracker{cap: cap, index: make(map[uint64]int32), shown: []uint32{0}, numeric: true, integer: true,
		min: math.Inf(1), max: math.Inf(-1)}
}

func (t *tracker) observe(v []byte) {
	if len(v) == 0 {
		t.missing++
		return
	}
	h := feature.Hash(0, v)
	if i, ok := t.index[h]; ok {
		t.counts[i]++
	} else if len(t.counts) < t.cap {
		t.index[h] = int32(len(t.counts))
		t.counts = append(t.counts, 1)
		t.arena = appendShown(t.arena, v)
		t.shown = append(t.shown, uint32(len(t.arena)))
	} else {
		t.capped = true
	}
	if !t.numeric {
		return
	}
	x, ok := parseNumber(v)
	if !ok {
		t.numeric = false
		return
	}
	t.min, t.max = min(t.min, x), max(t.max, x)
	t.mean.add(x)
	if x != math.Trunc(x) {
		t.integer = false
	}
}

// appendShown appends v's display text: v itself, or its first maxShown
// bytes (cut at a rune boundary) and "…".
func appendShown(dst, v []byte) []byte {
	if len(v) <= maxShown {
		return append(dst, v...)
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return append(append(dst, v[:cut]...), "…"...)
}

func (t *tracker) stats(name string, top int) ColumnStats {
	c := ColumnStats{Name: name, Missing: t.missing, Distinct: int64(len(t.counts)), DistinctCapped: t.capped}
	if t.numeric && t.mean.n > 0 {
		c.Numeric = &NumericSummary{Min: t.min, Max: t.max, Mean: t.mean.value(), Integer: t.integer}
	}
	if top > 0 && len(t.counts) > 0 {
		shown := func(i int) []byte { return t.arena[t.shown[i]:t.shown[i+1]] }
		// better orders by count, then by value; the top few are kept by
		// insertion, which neither sorts every value nor allocates.
		better := func(a, b int) bool {
			if t.counts[a] != t.counts[b] {
				return t.counts[a] > t.counts[b]
			}
			return bytes.Compare(shown(a), shown(b)) < 0
		}
		best := make([]int, 0, min(top, len(t.counts)))
		for i := range t.counts {
			if len(best) == cap(best) {
				if !better(i, best[len(best)-1]) {
					continue
				}
				best = best[:len(best)-1]
			}
			j := len(best)
			best = append(best, i)
			for ; j > 0 && better(i, best[j-1]); j-- {
				best[j] = best[j-1]
			}
			best[j] = i
		}
		for _, i := range best {
			c.Top = append(c.Top, ValueCount{Value: string(shown(i)), Count: t.counts[i]})
		}
		c.TopPartial = t.capped
	}
	return c
}

// labelTracker accumulates the label's statistics.
type labelTracker struct {
	// field, when it binarizes the label (click_above, positive), is the
	// built-in schema's label: labels are counted as the encoders read them.
	field                  *feature.Field
	binarized, positives   int64
	values                 int64
	zeros, ones, minusOnes int64
	mean                   meanAcc
	nonNumeric             bool
}

func (l *labelTracker) observe(v []byte) {
	if len(v) == 0 {
		return
	}
	l.values++
	if f := l.field; f != nil && len(f.Positive) > 0 {
		l.binarized++
		if slices.Contains(f.Positive, string(v)) {
			l.positives++
		}
		return
	}
	x, ok := parseNumber(v)
	if f := l.field; f != nil && f.ClickAbove != nil && ok {
		l.binarized++
		if x > *f.ClickAbove {
			l.positives++
		}
	}
	if !ok {
		l.nonNumeric = true
		return
	}
	l.mean.add(x)
	switch x {
	case 0:
		l.zeros++
	case 1:
		l.ones++
	case -1:
		l.minusOnes++
	}
}

func (l *labelTracker) stats(column string) *LabelStats {
	s := &LabelStats{Column: column, Values: l.values, Numeric: !l.nonNumeric && l.values > 0}
	if l.binarized > 0 && l.binarized == l.values {
		// The schema's label option decides what a click is.
		s.Binary, s.Binarized = true, true
		s.Positives = l.positives
		s.PositiveRate = float64(l.positives) / float64(l.values)
		if s.Numeric {
			s.Mean = l.mean.value()
		}
		return s
	}
	if !s.Numeric {
		return s
	}
	s.Mean = l.mean.value()
	s.Binary = l.zeros+l.ones+l.minusOnes == l.values && (l.zeros == 0 || l.minusOnes == 0)
	if s.Binary {
		s.Positives = l.ones
		s.PositiveRate = float64(l.ones) / float64(l.values)
	}
	return s
}

// meanAcc accumulates a mean: a compensated (Neumaier) sum, exact for
// whole numbers below 2⁵³, with a running mean to fall back on should the
// sum overflow.
type meanAcc struct {
	n              int64
	sum, comp, run float64
}

func (m *meanAcc) add(x float64) {
	m.n++
	t := m.sum + x
	if math.Abs(m.sum) >= math.Abs(x) {
		m.comp += (m.sum - t) + x
	} else {
		m.comp += (x - t) + m.sum
	}
	m.sum = t
	// x/n - run/n cannot overflow, unlike x - run.
	m.run += x/float64(m.n) - m.run/float64(m.n)
}

func (m *meanAcc) value() float64 {
	if m.n == 0 {
		return 0
	}
	if v := (m.sum + m.comp) / float64(m.n); !math.IsInf(v, 0) && !math.IsNaN(v) {
		return v
	}
	return m.run
}

// parseNumber parses a finite plain decimal number ("12", "-0.5",
// "3e-2"). It is stricter than package feature, which takes the whole of
// strconv.ParseFloat's syntax: "430548_1007" or "0x1p3" read as numbers
// there, but here they are text, so that codes with digit separators stay
// categorical. A column called numeric here therefore always fits as
// numeric there, and any column fits as categorical.
func parseNumber(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, false
		}
	}
	// The string aliases b only for the call; the error, which would keep
	// it, is dropped.
	v, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

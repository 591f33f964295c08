package feature

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// columnIndex maps each field of s to its column's position in columns.
// Fields whose kind optional allows may be absent (index -1).
func columnIndex(s *Schema, columns []string, optional func(*Field) bool) ([]int, error) {
	pos := make(map[string]int, len(columns))
	for i, c := range columns {
		if _, dup := pos[c]; !dup {
			pos[c] = i
		}
	}
	idx := make([]int, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		j, ok := pos[f.Column]
		if !ok {
			if optional != nil && optional(f) {
				idx[i] = -1
				continue
			}
			if f.Type == Label {
				// Typically a test file to score, given to training.
				return nil, fmt.Errorf("feature: the label column %q is missing: the data have the columns [%s] (training and evaluation need labeled data; predict scores unlabeled rows)", f.Column, strings.Join(columns, " "))
			}
			return nil, fmt.Errorf("feature: field %q reads column %q, which is not among the columns [%s]", f.Name, f.Column, strings.Join(columns, " "))
		}
		idx[i] = j
	}
	return idx, nil
}

// counter counts the distinct values of one table.
type counter struct {
	index  map[string]int32
	tokens []string
	counts []int64
}

// add counts b, allocating only for a value not seen before.
func (c *counter) add(b []byte) {
	if i, ok := c.index[string(b)]; ok {
		c.counts[i]++
		return
	}
	t := string(b)
	c.index[t] = int32(len(c.tokens))
	c.tokens = append(c.tokens, t)
	c.counts = append(c.counts, 1)
}

// Fitter learns vocabularies and numeric statistics from a stream of
// records. Its memory grows with the number of distinct values, never with
// the number of rows.
type Fitter struct {
	schema Schema // with defaults
	cols   []int
	ncols  int
	tables []*counter // per field: its table's counter, nil when none
	stats  []*welford // per field: numeric statistics, nil when none
	byName map[string]*counter
	rows   int64
}

// NewFitter validates s and binds it to records whose columns are named
// by columns, in order.
func NewFitter(s *Schema, columns []string) (*Fitter, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	d := s.withDefaults()
	cols, err := columnIndex(&d, columns, nil)
	if err != nil {
		return nil, err
	}
	ft := &Fitter{schema: d, cols: cols, ncols: len(columns), byName: map[string]*counter{}}
	ft.tables = make([]*counter, len(d.Fields))
	ft.stats = make([]*welford, len(d.Fields))
	for i := range d.Fields {
		f := &d.Fields[i]
		if f.hasTable() && f.HashBuckets == 0 {
			c := ft.byName[f.table()]
			if c == nil {
				c = &counter{index: map[string]int32{}}
				ft.byName[f.table()] = c
			}
			ft.tables[i] = c
		}
		if f.Type == Numeric && !f.bucketized() {
			ft.stats[i] = &welford{}
		}
	}
	return ft, nil
}

// Rows is the number of records observed.
func (ft *Fitter) Rows() int64 { return ft.rows }

// Observe counts one record. On a malformed value it returns a
// *ValueError (the fields before the bad one have already counted the
// record: stop fitting on error, or refit).
func (ft *Fitter) Observe(cols [][]byte) error {
	if len(cols) != ft.ncols {
		return fmt.Errorf("feature: record has %d columns, want %d", len(cols), ft.ncols)
	}
	for i := range ft.schema.Fields {
		if err := ft.observeField(i, cols); err != nil {
			return err
		}
	}
	ft.rows++
	return nil
}

// observeField counts field i's value in one record.
func (ft *Fitter) observeField(i int, cols [][]byte) error {
	var buf [24]byte
	f := &ft.schema.Fields[i]
	col := ft.cols[i]
	v := cols[col]
	if len(v) == 0 && f.Missing == MissingError {
		return valueError(f, col, v, "a value is required")
	}
	switch {
	case f.Type == Label:
		if _, msg := labelOf(f, v); msg != "" {
			return valueError(f, col, v, msg)
		}
	case f.bucketized():
		if len(v) == 0 {
			if f.Missing == MissingValue && ft.tables[i] != nil {
				ft.tables[i].add(nil)
			}
			return nil
		}
		x, ok := parseNumber(v)
		if !ok {
			return valueError(f, col, v, "expected a number")
		}
		b, ok := criteoBucket(x)
		if !ok {
			return valueError(f, col, v, "expected a number ≥ -2^62 to bucketize")
		}
		if ft.tables[i] != nil {
			ft.tables[i].add(bucketToken(buf[:], b))
		}
	case f.Type == Numeric:
		if len(v) == 0 {
			return nil
		}
		x, ok := parseNumber(v)
		if !ok {
			return valueError(f, col, v, "expected a number")
		}
		ft.stats[i].add(x)
	case f.Type == Categorical:
		if ft.tables[i] != nil && (len(v) > 0 || f.Missing == MissingValue) {
			ft.tables[i].add(v)
		}
	case f.Type == Sequence:
		if err := checkSequence(f, col, v); err != nil {
			return err
		}
		if c := ft.tables[i]; c != nil {
			forEachElement(v, f.Separator[0], func(e []byte) { c.add(e) })
		}
	}
	return nil
}

// FitPart observes one part of a Fitter's fields (see Fitter.Parts).
type FitPart struct {
	ft     *Fitter
	fields []int // ascending
}

// Parts splits ft's fields into at most n parts that can observe the same
// records concurrently, each on its own goroutine: the fields that share a
// vocabulary are in the same part, and each numeric field's statistics
// are accumulated by one part in record order, so that the fitted
// encoders are exactly those Observe gives, whatever n. Parts are balanced
// by a rough cost per field; every part has at least one field. The
// caller counts the records with AddRows.
func (ft *Fitter) Parts(n int) []*FitPart {
	// Group the fields by table: a field without one is its own group.
	type group struct {
		fields []int
		cost   int
	}
	var groups []*group
	byTable := map[*counter]*group{}
	for i := range ft.schema.Fields {
		f := &ft.schema.Fields[i]
		g := byTable[ft.tables[i]]
		if g == nil || ft.tables[i] == nil {
			g = &group{}
			groups = append(groups, g)
			if ft.tables[i] != nil {
				byTable[ft.tables[i]] = g
			}
		}
		g.fields = append(g.fields, i)
		// A rough cost: a sequence counts several values, a table or a
		// number costs a lookup or a parse, a label or a hashed field
		// only a check.
		switch {
		case f.Type == Sequence:
			g.cost += 8
		case ft.tables[i] != nil || ft.stats[i] != nil || f.bucketized():
			g.cost += 2
		default:
			g.cost++
		}
	}
	n = max(1, min(n, len(groups)))
	// Heaviest group first to the lightest part; stable on ties, so that
	// the split is deterministic (the result would not change anyway).
	slices.SortStableFunc(groups, func(a, b *group) int { return b.cost - a.cost })
	parts := make([]*FitPart, n)
	load := make([]int, n)
	for i := range parts {
		parts[i] = &FitPart{ft: ft}
	}
	for _, g := range groups {
		k := 0
		for j := range load {
			if load[j] < load[k] {
				k = j
			}
		}
		load[k] += g.cost
		parts[k].fields = append(parts[k].fields, g.fields...)
	}
	for _, p := range parts {
		slices.Sort(p.fields)
	}
	return parts
}

// Observe counts one record for the part's fields. On a malformed value it
// returns the schema index of the first bad field among them and a
// *ValueError, as Fitter.Observe would have for that field; field is -1
// when the record as a whole is wrong.
func (p *FitPart) Observe(cols [][]byte) (field int, err error) {
	if len(cols) != p.ft.ncols {
		return -1, fmt.Errorf("feature: record has %d columns, want %d", len(cols), p.ft.ncols)
	}
	for _, i := range p.fields {
		if err := p.ft.observeField(i, cols); err != nil {
			return i, err
		}
	}
	return 0, nil
}

// AddRows counts n records observed through the parts.
func (ft *Fitter) AddRows(n int64) { ft.rows += n }

// checkSequence rejects empty elements ("a||b", a trailing separator): they
// are almost always a formatting error, not a value.
func checkSequence(f *Field, col int, v []byte) error {
	if len(v) == 0 {
		return nil
	}
	sep := f.Separator[0]
	whole := v
	k := 0
	for len(v) > 0 {
		j := bytes.IndexByte(v, sep)
		e := v
		if j >= 0 {
			e, v = v[:j], v[j+1:]
			if len(v) == 0 {
				return valueError(f, col, whole, fmt.Sprintf("sequence ends with the separator %q", f.Separator))
			}
		} else {
			v = nil
		}
		if len(e) == 0 {
			return valueError(f, col, whole, fmt.Sprintf("element %d of the sequence is empty", k+1))
		}
		k++
	}
	return nil
}

// forEachElement calls fn on each sep-separated element of a non-empty v.
func forEachElement(v []byte, sep byte, fn func([]byte)) {
	if len(v) == 0 {
		return
	}
	for {
		j := bytes.IndexByte(v, sep)
		if j < 0 {
			fn(v)
			return
		}
		fn(v[:j])
		v = v[j+1:]
	}
}

// Encoders returns the fitted encoders. Vocabulary ids are assigned by
// descending count, ties by ascending value (bytewise), so that refitting
// the same data gives the same ids whatever the row order.
func (ft *Fitter) Encoders() (*Encoders, error) {
	vocabs := map[string]*Vocab{}
	stats := map[string]NumericStats{}
	for i := range ft.schema.Fields {
		f := &ft.schema.Fields[i]
		if c := ft.tables[i]; c != nil {
			if _, done := vocabs[f.table()]; done {
				continue
			}
			keep := make([]int32, 0, len(c.tokens))
			for j, n := range c.counts {
				if n >= int64(f.MinCount) {
					keep = append(keep, int32(j))
				}
			}
			slices.SortFunc(keep, func(a, b int32) int {
				if c.counts[a] != c.counts[b] {
					if c.counts[a] > c.counts[b] {
						return -1
					}
					return 1
				}
				return strings.Compare(c.tokens[a], c.tokens[b])
			})
			tokens := make([]string, len(keep))
			counts := make([]int64, len(keep))
			for k, j := range keep {
				tokens[k], counts[k] = c.tokens[j], c.counts[j]
			}
			v, err := NewVocab(tokens, counts)
			if err != nil {
				return nil, err
			}
			vocabs[f.table()] = v
		}
		if w := ft.stats[i]; w != nil {
			stats[f.Name] = w.stats()
		}
	}
	return NewEncoders(&ft.schema, vocabs, stats)
}

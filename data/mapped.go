package data

import (
	"bytes"
	"fmt"
	"strings"
)

// mappedCol is one column of a fixed-format CSV reader: where it comes
// from in the file's header and what its values must look like.
type mappedCol struct {
	header string // the column's name in the file's header
	name   string // the record's column name
	kind   kind
	// optional columns may be absent from the header: their values are
	// then empty.
	optional bool
	// check, when set, runs after kind and returns what was expected, or
	// "".
	check func(b []byte) string
}

// mappedCSV reads a CSV file with a header into records of fixed columns:
// the columns are found by header name (in any order; others are
// ignored) and every value is checked, so that a malformed line is a
// ParseError naming its column.
type mappedCSV struct {
	csv  *CSVReader
	spec []mappedCol
	from []int // per record column, the file's column, or -1
	skipper
	names []string
	cols  [][]byte
}

// openMapped opens a CSV file whose header must name every non-optional
// column of spec; format names the format in errors.
func openMapped(path, format string, spec []mappedCol, opts ReadOptions) (*mappedCSV, error) {
	if opts.Columns != nil {
		return nil, fmt.Errorf("%s: %s: the format takes its columns from the header; ReadOptions.Columns does not apply", format, path)
	}
	c, err := OpenCSV(path, opts)
	if err != nil {
		return nil, err
	}
	m := &mappedCSV{csv: c, spec: spec, skipper: skipper{skipBad: opts.SkipBad}, cols: make([][]byte, len(spec))}
	pos := map[string]int{}
	for i, h := range c.Columns() {
		pos[h] = i
	}
	var missing []string
	for _, s := range spec {
		m.names = append(m.names, s.name)
		i, ok := pos[s.header]
		if !ok {
			i = -1
			if !s.optional {
				missing = append(missing, s.header)
			}
		}
		m.from = append(m.from, i)
	}
	if len(missing) > 0 {
		c.Close()
		return nil, &ParseError{File: path, Line: 1, Msg: fmt.Sprintf("%s: the header lacks column(s) %s; it has %s",
			format, strings.Join(missing, ", "), strings.Join(c.Columns(), ","))}
	}
	return m, nil
}

// Columns names the record's columns.
func (m *mappedCSV) Columns() []string { return m.names }

// Skipped counts the malformed lines skipped, by the CSV layer or here.
func (m *mappedCSV) Skipped() int64 { return m.skipped + m.csv.Skipped() }

// Close closes the file.
func (m *mappedCSV) Close() error { return m.csv.Close() }

// Next fills rec with the next well-formed record.
func (m *mappedCSV) Next(rec *Record) error {
	for {
		if err := m.csv.Next(rec); err != nil {
			return err
		}
		err := m.fill(rec)
		if err == nil {
			rec.Cols = m.cols
			return nil
		}
		if !m.skip(err) {
			return err
		}
	}
}

// fill checks rec's values and picks the record's columns out of them.
func (m *mappedCSV) fill(rec *Record) error {
	for i, s := range m.spec {
		j := m.from[i]
		if j < 0 {
			m.cols[i] = nil
			continue
		}
		v := rec.Cols[j]
		msg := s.kind.check(v)
		if msg == "" && s.check != nil {
			msg = s.check(v)
		}
		if msg != "" {
			return &ParseError{File: rec.File, Line: rec.Line, Column: j + 1, Field: s.header, Msg: msg}
		}
		m.cols[i] = v
	}
	return nil
}

// nonEmpty requires a value.
func nonEmpty(b []byte) string {
	if len(b) == 0 {
		return "expected a value, found an empty one"
	}
	return ""
}

// idList returns a check of a sep-separated list of non-negative integer
// ids, none of them empty; the empty list is allowed.
func idList(sep byte) func(b []byte) string {
	return func(b []byte) string {
		if len(b) == 0 {
			return ""
		}
		for k := 1; b != nil; k++ {
			tok := b
			if i := bytes.IndexByte(b, sep); i >= 0 {
				tok, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if msg := kindNat.check(tok); msg != "" {
				return fmt.Sprintf("element %d of the %q-separated list: %s", k, sep, msg)
			}
		}
		return ""
	}
}

package data

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// DelimitedReader reads files of one record per line whose fields are split
// by a fixed separator, without quoting, and checks every field against its
// column's expected form (label, integer, number, text). It backs the
// Criteo, Avazu, MovieLens and NCF rating readers.
type DelimitedReader struct {
	src *lineSource
	delimFormat
	skipper

	scratch parseScratch
	pending []byte // the first data line, read at open time
	hasPend bool
	header  bool // the file had a header line
}

// delimFormat is what a DelimitedReader knows of its file's lines once it
// has read the first: all that parsing a line needs, read-only after
// opening, so that any goroutine can parse the reader's blocks.
type delimFormat struct {
	sep     []byte
	columns []string
	kinds   []kind
	latin1  bool // decode lines that are not UTF-8 as Latin-1
	// optLabel is the label column a file may lack (see delimSpec);
	// unlabeled is true when this file lacks it.
	optLabel  string
	unlabeled bool
}

// delimSpec describes one delimited format.
type delimSpec struct {
	sep     string
	columns []string
	kinds   []kind
	latin1  bool
	// optTail trailing columns may be absent; the first data line decides
	// the column count for the whole file.
	optTail int
	// optLabel names the label column when a file may lack it (a test
	// file to score): the header, or without one the first data line,
	// decides for the whole file by its field count, and a file without
	// the label yields records without that column.
	optLabel string
	// isHeader reports whether the first line is a header to drop.
	isHeader func(first [][]byte) bool
}

func openDelimited(path string, spec delimSpec, opts ReadOptions) (*DelimitedReader, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	r := &DelimitedReader{
		src: src,
		delimFormat: delimFormat{sep: []byte(spec.sep), columns: spec.columns, kinds: spec.kinds,
			latin1: spec.latin1, optLabel: spec.optLabel},
		skipper: skipper{skipBad: opts.SkipBad},
		scratch: parseScratch{cols: make([][]byte, 0, len(spec.columns))},
	}
	if err := r.prime(spec); err != nil {
		src.close()
		return nil, err
	}
	return r, nil
}

// prime reads the first line: it may be a header, and it fixes the column
// count of formats with optional trailing columns.
func (r *DelimitedReader) prime(spec delimSpec) error {
	for {
		line, err := r.src.next()
		if err == io.EOF {
			return nil // every line was skipped: Next reports the end
		}
		if err != nil {
			if r.skip(err) {
				continue
			}
			return err
		}
		fields := bytes.Split(line, r.sep) // once per file: allocation is fine
		if spec.isHeader != nil && spec.isHeader(fields) {
			switch {
			case len(fields) == len(r.columns):
			case spec.optLabel != "" && len(fields) == len(r.columns)-1 && !slices.ContainsFunc(fields, func(f []byte) bool { return string(f) == spec.optLabel }):
				r.dropLabel()
			default:
				msg := fmt.Sprintf("header has %d fields, expected %d", len(fields), len(r.columns))
				if spec.optLabel != "" {
					msg += fmt.Sprintf(" (or %d without the label column %s)", len(r.columns)-1, spec.optLabel)
				}
				return &ParseError{File: r.src.path, Line: r.src.line, Msg: msg}
			}
			r.src.records-- // a header alone is still an empty file
			r.header = true
			continue
		}
		n := len(fields)
		if spec.optTail > 0 && n < len(r.columns) && n >= len(r.columns)-spec.optTail {
			r.columns, r.kinds = r.columns[:n], r.kinds[:n]
		}
		if spec.optLabel != "" && !r.header && n == len(r.columns)-1 {
			r.dropLabel()
		}
		r.pending, r.hasPend = line, true
		return nil
	}
}

// dropLabel makes the reader read files without the label column.
func (r *delimFormat) dropLabel() {
	i := slices.Index(r.columns, r.optLabel)
	// Copies: the columns and kinds are shared by every reader of the
	// format.
	r.columns = slices.Delete(slices.Clone(r.columns), i, i+1)
	r.kinds = slices.Delete(slices.Clone(r.kinds), i, i+1)
	r.unlabeled = true
}

// mixedLabels explains a line of n fields in a file whose first line
// (its header, or its first record) decided whether the label column is
// there, when n is what the other choice would expect.
func (r *delimFormat) mixedLabels(n int) string {
	switch {
	case r.optLabel == "":
		return ""
	case r.unlabeled && n == len(r.columns)+1:
		return fmt.Sprintf(": this line has a %s column, the file's first line has none", r.optLabel)
	case !r.unlabeled && n == len(r.columns)-1:
		return fmt.Sprintf(": this line lacks the %s column the file's first line has", r.optLabel)
	}
	return ""
}

// Columns names the columns in file order.
func (r *DelimitedReader) Columns() []string { return r.columns }

// Close closes the file.
func (r *DelimitedReader) Close() error { return r.src.close() }

// Next fills rec with the next record; it returns io.EOF after the last.
func (r *DelimitedReader) Next(rec *Record) error {
	for {
		var line []byte
		if r.hasPend {
			line, r.hasPend = r.pending, false
		} else {
			var err error
			if line, err = r.src.next(); err != nil {
				if err != io.EOF && r.skip(err) {
					continue
				}
				return err
			}
		}
		cols, err := r.parse(line, r.src.path, r.src.line, &r.scratch)
		if err != nil {
			if r.skip(err) {
				continue
			}
			return err
		}
		rec.File, rec.Line, rec.Cols = r.src.path, r.src.line, cols
		return nil
	}
}

// ReadBlock implements BlockReader: the lines are read here, parsed by
// the block.
func (r *DelimitedReader) ReadBlock(dst Block, n int) (Block, error) {
	b := reuseLineBlock(dst)
	b.file, b.parse, b.skipBad = r.src.path, r.parse, r.skipBad
	if r.hasPend && n > 0 {
		b.add(r.pending, r.src.line) // nothing was read after it
		r.hasPend = false
	}
	return b, b.fill(r.src, n)
}

// parse splits line (line lineNo of file) into its columns, in s.cols,
// and checks each against its column's kind.
func (r *delimFormat) parse(line []byte, file string, lineNo int, s *parseScratch) ([][]byte, error) {
	if r.latin1 && !utf8.Valid(line) {
		s.conv = appendLatin1(s.conv[:0], line)
		line = s.conv
	}
	line0 := line
	cols := s.cols[:0]
	n := 0
	for {
		var i int
		if len(r.sep) == 1 {
			i = bytes.IndexByte(line, r.sep[0])
		} else {
			i = bytes.Index(line, r.sep)
		}
		field := line
		if i >= 0 {
			field = line[:i]
		}
		if n < len(r.columns) {
			cols = append(cols, field)
		}
		n++
		if i < 0 {
			break
		}
		line = line[i+len(r.sep):]
	}
	if n != len(r.columns) {
		col := n + 1 // the first missing column
		if n > len(r.columns) {
			col = len(r.columns) + 1 // the first extra one
		}
		return nil, &ParseError{File: file, Line: lineNo, Column: col,
			Msg: fmt.Sprintf("expected %d fields, found %d", len(r.columns), n) + r.mixedLabels(n)}
	}
	// One UTF-8 pass over the line is much cheaper than one per text
	// field, and the separators are ASCII, so a valid line has valid
	// fields: only a bad line is checked field by field, to name the field.
	textOK := utf8.Valid(line0)
	for c, k := range r.kinds {
		if k == kindText && textOK {
			continue
		}
		if msg := k.check(cols[c]); msg != "" {
			return nil, &ParseError{File: file, Line: lineNo, Column: c + 1, Field: r.columns[c], Msg: msg}
		}
	}
	s.cols = cols
	return cols, nil
}

// appendLatin1 appends the UTF-8 encoding of Latin-1 text: each byte is the
// code point of the same value.
func appendLatin1(dst, b []byte) []byte {
	for _, c := range b {
		if c < utf8.RuneSelf {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *DelimitedReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

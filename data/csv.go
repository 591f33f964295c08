package data

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// CSVReader reads delimiter-separated text with a header line (or names
// given in ReadOptions.Columns) and the same number of fields on every
// line; every field must be valid UTF-8. With quoting on (CSV), fields
// follow RFC 4180: a field in double quotes may hold the delimiter, ""
// for a quote, and line breaks (the record then spans lines, bounded by
// MaxLineBytes as a whole). With quoting off (TSV), quotes are ordinary
// characters. Fields keep their raw text: what a column means is the
// schema's business (package feature).
type CSVReader struct {
	src    *lineSource
	comma  byte
	quotes bool
	trim   bool
	skipper
	max     int
	columns []string

	buf  []byte // the unquoted fields of the current record, back to back
	ends []int  // end offset of each field in buf
	cols [][]byte
	line int // the record's first line
}

// OpenCSV reads comma-separated values with RFC 4180 quoting.
func OpenCSV(path string, opts ReadOptions) (*CSVReader, error) {
	return OpenDelimitedText(path, ',', true, opts)
}

// OpenTSV reads TAB-separated values without quoting.
func OpenTSV(path string, opts ReadOptions) (*CSVReader, error) {
	return OpenDelimitedText(path, '\t', false, opts)
}

// OpenDelimitedText reads text split by the delimiter comma, with RFC 4180
// quoting when quotes is true. The column names come from the header line
// unless opts.Columns gives them for a headerless file.
func OpenDelimitedText(path string, comma byte, quotes bool, opts ReadOptions) (*CSVReader, error) {
	if comma == '"' || comma == '\n' || comma == '\r' {
		return nil, fmt.Errorf("csv: %q cannot be the delimiter", comma)
	}
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	r := &CSVReader{src: src, comma: comma, quotes: quotes, trim: opts.TrimSpace,
		skipper: skipper{skipBad: opts.SkipBad}, max: opts.maxLine()}
	if opts.Columns != nil {
		r.columns = opts.Columns
	} else if err := r.readHeader(); err != nil {
		src.close()
		return nil, err
	}
	if err := checkNames(path, r.columns); err != nil {
		src.close()
		return nil, err
	}
	r.cols = make([][]byte, len(r.columns))
	return r, nil
}

func (r *CSVReader) readHeader() error {
	if err := r.readRecord(); err != nil {
		return err // a bad header fails even when skipping bad rows
	}
	r.src.records-- // a header alone is still an empty file
	r.columns = make([]string, len(r.ends))
	start := 0
	for i, end := range r.ends {
		r.columns[i] = string(r.buf[start:end])
		start = end
	}
	return nil
}

func checkNames(path string, names []string) error {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return &ParseError{File: path, Line: 1, Column: i + 1, Msg: "empty column name in the header"}
		}
		if j, ok := seen[n]; ok {
			return &ParseError{File: path, Line: 1, Column: i + 1, Msg: fmt.Sprintf("column name %q repeats column %d", n, j+1)}
		}
		seen[n] = i
	}
	return nil
}

// Columns names the columns, from the header or ReadOptions.Columns.
func (r *CSVReader) Columns() []string { return r.columns }

// Close closes the file.
func (r *CSVReader) Close() error { return r.src.close() }

// Next fills rec with the next record; it returns io.EOF after the last.
func (r *CSVReader) Next(rec *Record) error {
	for {
		err := r.readRecord()
		if err == nil && len(r.ends) != len(r.columns) {
			col := len(r.ends) + 1
			if len(r.ends) > len(r.columns) {
				col = len(r.columns) + 1
			}
			err = &ParseError{File: r.src.path, Line: r.line, Column: col,
				Msg: fmt.Sprintf("expected %d fields, found %d", len(r.columns), len(r.ends))}
		}
		if err != nil {
			if r.skip(err) {
				continue
			}
			return err
		}
		start := 0
		for i, end := range r.ends {
			r.cols[i] = r.buf[start:end:end]
			start = end
		}
		rec.File, rec.Line, rec.Cols = r.src.path, r.line, r.cols
		return nil
	}
}

// readRecord parses the next record into buf and ends.
func (r *CSVReader) readRecord() error {
	line, err := r.src.next()
	if err != nil {
		return err
	}
	r.line = r.src.line
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	col := 1
	for {
		// One field per iteration; line holds the rest of the record.
		if r.trim {
			line = bytes.TrimLeft(line, " \t")
		}
		if r.quotes && len(line) > 0 && line[0] == '"' {
			line = line[1:]
			for {
				i := bytes.IndexByte(line, '"')
				if i < 0 {
					// The quoted field goes on on the next line.
					r.buf = append(append(r.buf, line...), '\n')
					if len(r.buf) > r.max {
						return r.errAt(col, fmt.Sprintf("record longer than %d bytes inside a quoted field", r.max))
					}
					r.src.keepBlank = true // a blank line inside quotes is data
					next, err := r.src.next()
					r.src.keepBlank = false
					if err == io.EOF || err != nil && r.src.eof {
						e := r.errAt(col, "the quoted field opened on this line expected a closing quote before the end of the file")
						e.Line = r.line
						return e
					}
					if err != nil {
						return err
					}
					line = next
					continue
				}
				r.buf = append(r.buf, line[:i]...)
				line = line[i+1:]
				if len(line) > 0 && line[0] == '"' {
					r.buf = append(r.buf, '"')
					line = line[1:]
					continue
				}
				break
			}
			if r.trim {
				line = bytes.TrimLeft(line, " \t")
			}
			if len(line) > 0 && line[0] != r.comma {
				return r.errAt(col, fmt.Sprintf("expected %q or the end of the line after a closing quote, found %q", r.comma, line[0]))
			}
		} else {
			field := line
			if i := bytes.IndexByte(line, r.comma); i >= 0 {
				field, line = line[:i], line[i:]
			} else {
				line = nil
			}
			if r.trim {
				field = bytes.TrimRight(field, " \t")
			}
			if r.quotes && bytes.IndexByte(field, '"') >= 0 {
				return r.errAt(col, "a quote inside an unquoted field: quote the whole field and double the quote")
			}
			r.buf = append(r.buf, field...)
		}
		start := 0
		if len(r.ends) > 0 {
			start = r.ends[len(r.ends)-1]
		}
		if !utf8.Valid(r.buf[start:]) {
			return r.errAt(col, "expected UTF-8 text, found invalid bytes "+quoteBytes(r.buf[start:]))
		}
		r.ends = append(r.ends, len(r.buf))
		if len(line) == 0 {
			return nil
		}
		line = line[1:] // the delimiter
		col++
		if len(line) == 0 {
			r.ends = append(r.ends, len(r.buf)) // a trailing empty field
			return nil
		}
	}
}

func (r *CSVReader) errAt(col int, msg string) *ParseError {
	f := ""
	if col <= len(r.columns) {
		f = r.columns[col-1]
	}
	return &ParseError{File: r.src.path, Line: r.src.line, Column: col, Field: f, Msg: msg}
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *CSVReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

package data

import (
	"bytes"
	"errors"
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
	src *lineSource
	csvFormat
	skipper

	rec  csvRecord
	cols [][]byte
	line int // the record's first line
}

// csvFormat is how a CSVReader's records are written: all that parsing
// one needs, read-only after opening, so that any goroutine can parse the
// reader's blocks.
type csvFormat struct {
	comma   byte
	quotes  bool
	trim    bool
	max     int
	columns []string
}

// csvRecord holds one parsed record: its unquoted fields back to back in
// buf, and each field's end offset in ends.
type csvRecord struct {
	buf  []byte
	ends []int
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
	r := &CSVReader{src: src, csvFormat: csvFormat{comma: comma, quotes: quotes, trim: opts.TrimSpace, max: opts.maxLine()},
		skipper: skipper{skipBad: opts.SkipBad}}
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
	r.columns = make([]string, len(r.rec.ends))
	start := 0
	for i, end := range r.rec.ends {
		r.columns[i] = string(r.rec.buf[start:end])
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
		if err == nil {
			err = r.checkWidth(&r.rec, r.src.path, r.line)
		}
		if err != nil {
			if r.skip(err) {
				continue
			}
			return err
		}
		r.cols = r.rec.fields(r.cols)
		rec.File, rec.Line, rec.Cols = r.src.path, r.line, r.cols
		return nil
	}
}

// checkWidth checks that rec has a field per column.
func (f *csvFormat) checkWidth(rec *csvRecord, file string, line int) error {
	if len(rec.ends) == len(f.columns) {
		return nil
	}
	col := len(rec.ends) + 1
	if len(rec.ends) > len(f.columns) {
		col = len(f.columns) + 1
	}
	return &ParseError{File: file, Line: line, Column: col,
		Msg: fmt.Sprintf("expected %d fields, found %d", len(f.columns), len(rec.ends))}
}

// fields returns rec's fields in dst, reused.
func (rec *csvRecord) fields(dst [][]byte) [][]byte {
	dst = dst[:0]
	start := 0
	for _, end := range rec.ends {
		dst = append(dst, rec.buf[start:end:end])
		start = end
	}
	return dst
}

// readRecord parses the next record into r.rec.
func (r *CSVReader) readRecord() error {
	line, err := r.src.next()
	if err != nil {
		return err
	}
	r.line = r.src.line
	return r.parseRecord(line, r.src.path, r.line, r.src, &r.rec)
}

// ReadBlock implements BlockReader. A line without a quote is a record of
// its own, parsed by the block; one with a quote may open a field that
// runs on over the next lines, so it is parsed here, in order, and the
// block keeps its fields.
func (r *CSVReader) ReadBlock(dst Block, n int) (Block, error) {
	b := reuseLineBlock(dst)
	b.file, b.parse, b.skipBad = r.src.path, r.parseLine, r.skipBad
	for b.Len() < n {
		line, err := r.src.next()
		if err == nil && r.quotes && bytes.IndexByte(line, '"') >= 0 {
			r.line = r.src.line
			if err = r.parseRecord(line, r.src.path, r.line, r.src, &r.rec); err == nil {
				err = r.checkWidth(&r.rec, r.src.path, r.line)
			}
			if err == nil {
				b.addParsed(r.rec.buf, r.rec.ends, r.line)
				continue
			}
		} else if err == nil {
			b.add(line, r.src.line)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line == 0 {
			return b, err // the end, a broken stream, an empty file
		}
		b.addBad(pe)
	}
	return b, nil
}

// parseLine parses a line without a quote (a whole record) for a block.
func (f *csvFormat) parseLine(line []byte, file string, lineNo int, s *parseScratch) ([][]byte, error) {
	rec := csvRecord{buf: s.conv, ends: s.ends}
	err := f.parseRecord(line, file, lineNo, nil, &rec)
	s.conv, s.ends = rec.buf, rec.ends
	if err == nil {
		err = f.checkWidth(&rec, file, lineNo)
	}
	if err != nil {
		return nil, err
	}
	s.cols = rec.fields(s.cols)
	return s.cols, nil
}

// parseRecord parses the record that starts with line, line lineNo of
// file, into rec. A quoted field that runs past the line's end goes on
// over the next lines of src, which must then be the line's source (a
// line without a quote never needs it).
func (f *csvFormat) parseRecord(line []byte, file string, lineNo int, src *lineSource, rec *csvRecord) error {
	cur := lineNo // the line being parsed, for errors
	rec.buf, rec.ends = rec.buf[:0], rec.ends[:0]
	col := 1
	for {
		// One field per iteration; line holds the rest of the record.
		if f.trim {
			line = bytes.TrimLeft(line, " \t")
		}
		if f.quotes && len(line) > 0 && line[0] == '"' {
			line = line[1:]
			for {
				i := bytes.IndexByte(line, '"')
				if i < 0 {
					// The quoted field goes on on the next line.
					rec.buf = append(append(rec.buf, line...), '\n')
					if len(rec.buf) > f.max {
						return f.errAt(file, cur, col, fmt.Sprintf("record longer than %d bytes inside a quoted field", f.max))
					}
					src.keepBlank = true // a blank line inside quotes is data
					next, err := src.next()
					src.keepBlank = false
					if err == io.EOF || err != nil && src.eof {
						return f.errAt(file, lineNo, col, "the quoted field opened on this line expected a closing quote before the end of the file")
					}
					if err != nil {
						return err
					}
					line, cur = next, src.line
					continue
				}
				rec.buf = append(rec.buf, line[:i]...)
				line = line[i+1:]
				if len(line) > 0 && line[0] == '"' {
					rec.buf = append(rec.buf, '"')
					line = line[1:]
					continue
				}
				break
			}
			if f.trim {
				line = bytes.TrimLeft(line, " \t")
			}
			if len(line) > 0 && line[0] != f.comma {
				return f.errAt(file, cur, col, fmt.Sprintf("expected %q or the end of the line after a closing quote, found %q", f.comma, line[0]))
			}
		} else {
			field := line
			if i := bytes.IndexByte(line, f.comma); i >= 0 {
				field, line = line[:i], line[i:]
			} else {
				line = nil
			}
			if f.trim {
				field = bytes.TrimRight(field, " \t")
			}
			if f.quotes && bytes.IndexByte(field, '"') >= 0 {
				return f.errAt(file, cur, col, "a quote inside an unquoted field: quote the whole field and double the quote")
			}
			rec.buf = append(rec.buf, field...)
		}
		start := 0
		if len(rec.ends) > 0 {
			start = rec.ends[len(rec.ends)-1]
		}
		if !utf8.Valid(rec.buf[start:]) {
			return f.errAt(file, cur, col, "expected UTF-8 text, found invalid bytes "+quoteBytes(rec.buf[start:]))
		}
		rec.ends = append(rec.ends, len(rec.buf))
		if len(line) == 0 {
			return nil
		}
		line = line[1:] // the delimiter
		col++
		if len(line) == 0 {
			rec.ends = append(rec.ends, len(rec.buf)) // a trailing empty field
			return nil
		}
	}
}

func (f *csvFormat) errAt(file string, line, col int, msg string) *ParseError {
	name := ""
	if col <= len(f.columns) {
		name = f.columns[col-1]
	}
	return &ParseError{File: file, Line: line, Column: col, Field: name, Msg: msg}
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *CSVReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

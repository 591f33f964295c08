package data

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// LibFMFieldsReader reads libFM files whose rows are one-hot over a fixed
// list of fields, one `index:1` token per field in field order, as the
// Frappe (NFM/AFM) and iPinYou (FNN) releases are: `label i1:1 … iN:1`.
// Unlike SparseReader it names its columns: "label", then "f1".."fN", where
// column fK holds the K-th token's index as text, so that a schema can
// declare each field a categorical of its own. The first line fixes N;
// a line with another token count, a token value other than 1 or a
// non-numeric label is a *ParseError naming the file and line.
type LibFMFieldsReader struct {
	src *lineSource
	skipper
	columns   []string
	n         int // tokens per line; 0 until the first line fixes it
	firstLine int // the line that fixed n
	cols      [][]byte
	hasPend   bool // cols hold the first record, parsed at open time
}

// OpenLibFMFields opens a positional libFM file. It reads the first line
// to fix the number of fields; under ReadOptions.SkipBad the first
// well-formed line does.
func OpenLibFMFields(path string, opts ReadOptions) (*LibFMFieldsReader, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	r := &LibFMFieldsReader{src: src, skipper: skipper{skipBad: opts.SkipBad}, cols: make([][]byte, 0, 64)}
	if err := r.prime(); err != nil {
		src.close()
		return nil, err
	}
	return r, nil
}

// prime reads lines until one parses, fixing the field count and the
// column names.
func (r *LibFMFieldsReader) prime() error {
	if err := nextValidLine(r.src, r, &r.skipper); err != nil {
		if err == io.EOF {
			return &ParseError{File: r.src.path, Msg: fmt.Sprintf("no well-formed line to fix the number of fields (%d malformed lines skipped)", r.skipped)}
		}
		return err
	}
	r.n, r.firstLine = len(r.cols)-1, r.src.line
	r.columns = make([]string, r.n+1)
	r.columns[0] = "label"
	for k := 1; k <= r.n; k++ {
		r.columns[k] = "f" + strconv.Itoa(k)
	}
	r.hasPend = true
	return nil
}

// Columns returns "label", "f1".."fN".
func (r *LibFMFieldsReader) Columns() []string { return r.columns }

// Close closes the file.
func (r *LibFMFieldsReader) Close() error { return r.src.close() }

// Next fills rec with the next record; it returns io.EOF after the last.
func (r *LibFMFieldsReader) Next(rec *Record) error {
	if r.hasPend {
		r.hasPend = false
	} else if err := nextValidLine(r.src, r, &r.skipper); err != nil {
		return err
	}
	rec.File, rec.Line, rec.Cols = r.src.path, r.src.line, r.cols
	return nil
}

// parse splits line into the label and the tokens' indices, checking
// every token and, once the first line has fixed it, the token count.
func (r *LibFMFieldsReader) parse(line []byte) error {
	cols, col, field, msg := splitSparse(line, r.cols[:0], func(col int, tok []byte) ([]byte, string, string) {
		field := ""
		if r.n > 0 && col-1 <= r.n {
			field = r.columns[col-1]
		}
		idx, val, ok := bytes.Cut(tok, []byte{':'})
		if !ok {
			return nil, field, "expected index:1, found " + quoteBytes(tok)
		}
		if v, ok := parseInt(idx); !ok || v < 0 || idx[0] == '+' {
			return nil, field, "expected index:1 with a non-negative integer index, found " + quoteBytes(tok)
		}
		if !one(val) {
			return nil, field, "expected one-hot value 1, found " + quoteBytes(tok)
		}
		return idx, "", ""
	})
	if msg != "" {
		return r.errAt(col, field, msg)
	}
	if len(cols) < 2 {
		return r.errAt(len(cols)+1, "", "expected a label followed by one index:1 token per field")
	}
	if r.n > 0 && len(cols)-1 != r.n {
		return &ParseError{File: r.src.path, Line: r.src.line,
			Msg: fmt.Sprintf("found %d index:1 tokens, expected %d (the count of line %d, which fixes the fields)", len(cols)-1, r.n, r.firstLine)}
	}
	r.cols = cols
	return nil
}

// one reports whether b is the number 1 ("1", "1.0", "1e0"…).
func one(b []byte) bool {
	if len(b) == 1 {
		return b[0] == '1'
	}
	if !finiteNumber(b) {
		return false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return err == nil && f == 1
}

func (r *LibFMFieldsReader) errAt(col int, field, msg string) error {
	return &ParseError{File: r.src.path, Line: r.src.line, Column: col, Field: field, Msg: msg}
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *LibFMFieldsReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

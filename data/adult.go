package data

import (
	"bytes"
	"fmt"
	"io"
)

// AdultColumns are the 15 columns of the UCI Adult ("Census Income")
// files, named as in the TensorFlow Wide & Deep tutorial.
var AdultColumns = []string{"age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
	"occupation", "relationship", "race", "gender", "capital_gain", "capital_loss", "hours_per_week",
	"native_country", "income_bracket"}

// adultKinds are what each Adult column holds once "?" became empty: the
// six counts are integers (or missing), the label is checked by adultLabel.
var adultKinds = []kind{kindOptInt, kindText, kindOptInt, kindText, kindOptInt, kindText, kindText, kindText,
	kindText, kindText, kindOptInt, kindOptInt, kindOptInt, kindText, kindText}

// AdultReader reads the UCI Adult files adult.data (or adult.train) and
// adult.test: 15 comma-separated fields per line, written with ", "
// between them (spaces around a field are dropped), no header. A "?"
// field is a missing value and becomes empty. Lines starting with "|" are
// comments (adult.test's first line, "|1x3 Cross validator") and blank
// lines are skipped. The label income_bracket must be <=50K or >50K, with
// the trailing "." of adult.test allowed and kept: the raw value is
// passed on, so a schema lists both spellings as positive. A file of 14
// fields per line, without the label, yields records of the first 14
// columns, to score; its first line decides, and a later line of the
// other width is malformed.
type AdultReader struct {
	src *lineSource
	skipper
	cols    [][]byte
	columns []string // AdultColumns, less income_bracket in an unlabeled file

	pending []byte // the first data line, read at open time
	hasPend bool
}

// OpenAdult opens an Adult file.
func OpenAdult(path string, opts ReadOptions) (*AdultReader, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	r := &AdultReader{src: src, skipper: skipper{skipBad: opts.SkipBad}, cols: make([][]byte, 0, len(AdultColumns)), columns: AdultColumns}
	if err := r.prime(); err != nil {
		src.close()
		return nil, err
	}
	return r, nil
}

// prime reads the first data line, whose field count says whether the
// file has the label column.
func (r *AdultReader) prime() error {
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
		if line[0] == '|' {
			r.src.records-- // a comment alone is still an empty file
			continue
		}
		if bytes.Count(line, []byte{','}) == len(AdultColumns)-2 {
			r.columns = AdultColumns[:len(AdultColumns)-1]
		}
		r.pending, r.hasPend = line, true
		return nil
	}
}

// Columns returns AdultColumns, without income_bracket when the file has
// no label.
func (r *AdultReader) Columns() []string { return r.columns }

// Close closes the file.
func (r *AdultReader) Close() error { return r.src.close() }

// Next fills rec with the next record; it returns io.EOF after the last.
func (r *AdultReader) Next(rec *Record) error {
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
		if line[0] == '|' {
			r.src.records-- // a comment alone is still an empty file
			continue
		}
		if err := r.parse(line); err != nil {
			if r.skip(err) {
				continue
			}
			return err
		}
		rec.File, rec.Line, rec.Cols = r.src.path, r.src.line, r.cols
		return nil
	}
}

func (r *AdultReader) parse(line []byte) error {
	cols := r.cols[:0]
	n := 0
	for {
		i := bytes.IndexByte(line, ',')
		field := line
		if i >= 0 {
			field = line[:i]
		}
		field = bytes.Trim(field, " \t")
		if len(field) == 1 && field[0] == '?' {
			field = field[:0]
		}
		if n < len(r.columns) {
			cols = append(cols, field)
		}
		n++
		if i < 0 {
			break
		}
		line = line[i+1:]
	}
	if want := len(r.columns); n != want {
		col := min(n, want) + 1
		msg := fmt.Sprintf("expected %d comma-separated fields, found %d", want, n)
		switch {
		case want < len(AdultColumns) && n == want+1:
			msg += ": this line has an income_bracket label, the file's first line has none"
		case want == len(AdultColumns) && n == want-1:
			msg += ": this line lacks the income_bracket label the file's first line has"
		}
		return &ParseError{File: r.src.path, Line: r.src.line, Column: col, Msg: msg}
	}
	for c, k := range adultKinds[:len(r.columns)] {
		if msg := k.check(cols[c]); msg != "" {
			return r.errAt(c, msg)
		}
	}
	if len(cols) == len(AdultColumns) {
		if msg := adultLabel(cols[14]); msg != "" {
			return r.errAt(14, msg)
		}
	}
	r.cols = cols
	return nil
}

// adultLabel returns what was expected when b is not an income bracket.
func adultLabel(b []byte) string {
	v := bytes.TrimSuffix(b, []byte{'.'})
	if string(v) == "<=50K" || string(v) == ">50K" {
		return ""
	}
	if len(b) == 0 {
		return "missing label: expected <=50K or >50K"
	}
	return "expected <=50K or >50K (adult.test adds a final \".\"), found " + quoteBytes(b)
}

func (r *AdultReader) errAt(c int, msg string) error {
	return &ParseError{File: r.src.path, Line: r.src.line, Column: c + 1, Field: AdultColumns[c], Msg: msg}
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *AdultReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

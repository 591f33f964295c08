package data

import (
	"bytes"
	"fmt"
)

// SparseSource is implemented by readers whose records are sparse: Columns
// names only "label", and Cols[1:] hold a variable number of raw feature
// tokens. Consumers type-assert a Reader to it to know how to read Cols.
type SparseSource interface {
	Sparse() bool
}

// IsSparseReader reports whether the reader name (as in a spec's
// "READER:") reads sparse rows, a SparseSource: libfm, libsvm and libffm.
// Their rows have no fixed columns, so no schema describes them;
// libfm-fields reads the one-hot files whose rows all set one feature per
// field into named columns instead.
func IsSparseReader(name string) bool {
	return name == "libfm" || name == "libsvm" || name == "libffm"
}

// SparseReader reads libFM/libSVM lines (`label idx:val ...`) and libFFM
// lines (`label field:idx:val ...`), separated by spaces or TABs. The
// number of features varies by row, so a record is not a fixed set of
// columns: Cols[0] is the label and Cols[1:] are the raw feature tokens,
// each already checked (indices and fields non-negative integers, values
// finite numbers, the label a finite number). Columns returns ["label"]
// and Sparse returns true, telling consumers to read Cols[1:] as tokens.
type SparseReader struct {
	src *lineSource
	ffm bool
	skipper
	cols [][]byte
}

// OpenLibFM reads a libFM or libSVM file.
func OpenLibFM(path string, opts ReadOptions) (*SparseReader, error) {
	return openSparse(path, false, opts)
}

// OpenLibFFM reads a libFFM file.
func OpenLibFFM(path string, opts ReadOptions) (*SparseReader, error) {
	return openSparse(path, true, opts)
}

func openSparse(path string, ffm bool, opts ReadOptions) (*SparseReader, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	return &SparseReader{src: src, ffm: ffm, skipper: skipper{skipBad: opts.SkipBad}, cols: make([][]byte, 0, 64)}, nil
}

var sparseColumns = []string{"label"}

// Columns returns ["label"]: the feature tokens that follow in Cols[1:] are
// not named columns.
func (r *SparseReader) Columns() []string { return sparseColumns }

// Sparse reports that records carry a variable number of feature tokens
// after the label.
func (r *SparseReader) Sparse() bool { return true }

// FFM reports whether tokens are field:index:value (libFFM) rather than
// index:value.
func (r *SparseReader) FFM() bool { return r.ffm }

// Close closes the file.
func (r *SparseReader) Close() error { return r.src.close() }

// Next fills rec with the next record; it returns io.EOF after the last.
func (r *SparseReader) Next(rec *Record) error {
	if err := nextValidLine(r.src, r, &r.skipper); err != nil {
		return err
	}
	rec.File, rec.Line, rec.Cols = r.src.path, r.src.line, r.cols
	return nil
}

func (r *SparseReader) parse(line []byte) error {
	cols, col, field, msg := splitSparse(line, r.cols[:0], func(_ int, tok []byte) ([]byte, string, string) {
		return tok, "", r.checkToken(tok)
	})
	if msg != "" {
		return r.errAt(col, field, msg)
	}
	if len(cols) == 0 {
		return r.errAt(1, "label", "missing label")
	}
	r.cols = cols
	return nil
}

func (r *SparseReader) errAt(col int, field, msg string) error {
	return &ParseError{File: r.src.path, Line: r.src.line, Column: col, Field: field, Msg: msg}
}

// checkToken returns what was expected when tok is not a valid feature.
func (r *SparseReader) checkToken(tok []byte) string {
	want := "index:value"
	parts := 2
	if r.ffm {
		want, parts = "field:index:value", 3
	}
	rest := tok
	for p := 0; p < parts-1; p++ {
		i := bytes.IndexByte(rest, ':')
		if i < 0 {
			return fmt.Sprintf("expected %s, found %s", want, quoteBytes(tok))
		}
		if v, ok := parseInt(rest[:i]); !ok || v < 0 || rest[0] == '+' {
			return fmt.Sprintf("expected %s with a non-negative integer %s, found %s", want, []string{"index", "field"}[btoi(r.ffm && p == 0)], quoteBytes(tok))
		}
		rest = rest[i+1:]
	}
	if !finiteNumber(rest) {
		return fmt.Sprintf("expected %s with a finite value, found %s", want, quoteBytes(tok))
	}
	return ""
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nextToken splits the first space- or TAB-separated token off line; the
// token is empty where separators run together.
func nextToken(line []byte) (tok, rest []byte) {
	if i := bytes.IndexAny(line, " \t"); i >= 0 {
		return line[:i], line[i+1:]
	}
	return line, nil
}

// splitSparse splits a libFM-style line into dst: first the label, which
// must be a finite number, then each feature token as check keeps it. On
// a bad token it returns the token's 1-based column, field and message.
func splitSparse(line []byte, dst [][]byte, check func(col int, tok []byte) (keep []byte, field, msg string)) (cols [][]byte, col int, field, msg string) {
	cols = dst
	for len(line) > 0 {
		var tok []byte
		if tok, line = nextToken(line); len(tok) == 0 {
			continue // runs of separators
		}
		col = len(cols) + 1
		if col == 1 {
			if !finiteNumber(tok) {
				return cols, col, "label", "expected a numeric label, found " + quoteBytes(tok)
			}
			cols = append(cols, tok)
			continue
		}
		keep, field, msg := check(col, tok)
		if msg != "" {
			return cols, col, field, msg
		}
		cols = append(cols, keep)
	}
	return cols, 0, "", ""
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *SparseReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

package data

import (
	"bytes"
)

// NCFNegativeColumns are the columns of an NCF .negative record: the test
// pair, then the sampled negative items as one TAB-separated list.
var NCFNegativeColumns = []string{"user", "item", "negatives"}

// NCFNegativeReader reads NCF-style .negative files, one line per test
// pair: `(user,item)\tneg1\tneg2 …`. Cols are user, item and the raw
// negatives list (TAB-separated item ids, each checked), to be split by a
// sequence field; line k belongs to line k of the matching .test.rating.
type NCFNegativeReader struct {
	src *lineSource
	skipper
	cols [][]byte
}

// OpenNCFNegative opens an NCF .negative file.
func OpenNCFNegative(path string, opts ReadOptions) (*NCFNegativeReader, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	return &NCFNegativeReader{src: src, skipper: skipper{skipBad: opts.SkipBad}, cols: make([][]byte, 3)}, nil
}

// Columns returns user, item, negatives.
func (r *NCFNegativeReader) Columns() []string { return NCFNegativeColumns }

// Close closes the file.
func (r *NCFNegativeReader) Close() error { return r.src.close() }

// Next fills rec with the next record; it returns io.EOF after the last.
func (r *NCFNegativeReader) Next(rec *Record) error {
	if err := nextValidLine(r.src, r, &r.skipper); err != nil {
		return err
	}
	rec.File, rec.Line, rec.Cols = r.src.path, r.src.line, r.cols
	return nil
}

func (r *NCFNegativeReader) parse(line []byte) error {
	head, negs, _ := bytes.Cut(line, []byte{'\t'})
	comma := bytes.IndexByte(head, ',')
	if len(head) < 5 || head[0] != '(' || head[len(head)-1] != ')' || comma < 0 {
		return r.errAt(1, "user", "expected a test pair (user,item), found "+quoteBytes(head))
	}
	user, item := head[1:comma], head[comma+1:len(head)-1]
	if msg := kindNat.check(user); msg != "" {
		return r.errAt(1, "user", msg)
	}
	if msg := kindNat.check(item); msg != "" {
		return r.errAt(1, "item", msg)
	}
	// Every TAB-separated token must be an id: a trailing TAB leaves an
	// empty one, which a consumer splitting on TAB would misread.
	rest, more := negs, len(negs) > 0
	for col := 2; more; col++ {
		var tok []byte
		tok, rest, more = bytes.Cut(rest, []byte{'\t'})
		if msg := kindNat.check(tok); msg != "" {
			return r.errAt(col, "negatives", msg)
		}
	}
	r.cols[0], r.cols[1], r.cols[2] = user, item, negs
	return nil
}

func (r *NCFNegativeReader) errAt(col int, field, msg string) error {
	return &ParseError{File: r.src.path, Line: r.src.line, Column: col, Field: field, Msg: msg}
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *NCFNegativeReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

package data

import (
	"bytes"
	"fmt"
	"io"
)

// SeqColumns are the columns of a sequence record: the user id and the
// user's items in order, separated by single spaces.
var SeqColumns = []string{"user", "items"}

// SeqReader reads user interaction sequences from lines of
// `user item [item …]` (space- or TAB-separated non-negative integer ids).
// Consecutive lines of the same user are merged into one record, so both
// one-user-per-line files (`user i1 i2 …`, as the ML-1M LCF split) and
// one-interaction-per-line files grouped by user (`user item`, as SASRec's
// Amazon data) give one record per user with the items in file order.
// A user whose lines are not contiguous yields one record per run.
// Record.Line is the run's first line. A merged sequence is bounded by
// ReadOptions.MaxLineBytes like a line.
type SeqReader struct {
	src *lineSource
	skipper
	max int

	user, items         []byte // the run being built
	line                int
	pendUser, pendItems []byte // the first line of the next run
	pendLine            int
	hasPend             bool
	cols                [][]byte
}

// OpenSeq opens a sequence file.
func OpenSeq(path string, opts ReadOptions) (*SeqReader, error) {
	src, err := openSource(path, opts)
	if err != nil {
		return nil, err
	}
	return &SeqReader{src: src, skipper: skipper{skipBad: opts.SkipBad}, max: opts.maxLine(), cols: make([][]byte, 2)}, nil
}

// Columns returns user, items.
func (r *SeqReader) Columns() []string { return SeqColumns }

// Close closes the file.
func (r *SeqReader) Close() error { return r.src.close() }

// Next fills rec with the next user's sequence; it returns io.EOF after the
// last.
func (r *SeqReader) Next(rec *Record) error {
	if !r.hasPend {
		if err := r.readPending(); err != nil {
			return err
		}
	}
	// Start the run from the pending line, swapping buffers so that
	// neither grows anew per record.
	r.user, r.pendUser = r.pendUser, r.user
	r.items, r.pendItems = r.pendItems, r.items
	r.line, r.hasPend = r.pendLine, false
	for {
		err := r.readPending()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(r.pendUser, r.user) {
			break
		}
		if len(r.items)+1+len(r.pendItems) > r.max {
			perr := &ParseError{File: r.src.path, Line: r.pendLine, Column: 2, Field: "items",
				Msg: tooLong(fmt.Sprintf("user %s's sequence is", r.user), r.max)}
			if !r.skip(perr) {
				return perr
			}
			r.hasPend = false
			continue
		}
		r.items = append(append(r.items, ' '), r.pendItems...)
		r.hasPend = false
	}
	r.cols[0], r.cols[1] = r.user, r.items
	rec.File, rec.Line, rec.Cols = r.src.path, r.line, r.cols
	return nil
}

// readPending reads and checks the next line into the pending buffers.
func (r *SeqReader) readPending() error {
	if err := nextValidLine(r.src, r, &r.skipper); err != nil {
		return err
	}
	r.pendLine, r.hasPend = r.src.line, true
	return nil
}

func (r *SeqReader) parse(line []byte) error {
	r.pendUser, r.pendItems = r.pendUser[:0], r.pendItems[:0]
	col := 0
	for len(line) > 0 {
		i := bytes.IndexAny(line, " \t")
		tok := line
		if i >= 0 {
			tok, line = line[:i], line[i+1:]
		} else {
			line = nil
		}
		if len(tok) == 0 {
			continue
		}
		col++
		field := "items"
		if col == 1 {
			field = "user"
		}
		if msg := kindNat.check(tok); msg != "" {
			return &ParseError{File: r.src.path, Line: r.src.line, Column: col, Field: field, Msg: msg}
		}
		switch {
		case col == 1:
			r.pendUser = append(r.pendUser, tok...)
		case col == 2:
			r.pendItems = append(r.pendItems, tok...)
		default:
			r.pendItems = append(append(r.pendItems, ' '), tok...)
		}
	}
	if col < 2 {
		return &ParseError{File: r.src.path, Line: r.src.line, Column: col + 1, Field: SeqColumns[col],
			Msg: "expected a user id followed by at least one item id"}
	}
	return nil
}

// BytesRead reports how far through its file the reader has read (see
// ByteCounter).
func (r *SeqReader) BytesRead() (read, total int64) { return r.src.bytesRead() }

package data

import (
	"errors"
	"fmt"
	"io"
)

// Record is one raw example. Cols holds its column values, in the order of
// the reader's Columns, as byte slices into the reader's buffers: they are
// valid only until the next call to Next. Copy what must outlive it.
type Record struct {
	// File and Line locate the record in its source (Line is 1-based).
	File string
	Line int
	// Cols are the raw column values; an empty slice is a missing value.
	Cols [][]byte
}

// Reader streams the records of one source.
type Reader interface {
	// Columns names the columns of every record, in order.
	Columns() []string
	// Next fills rec with the next record. It returns io.EOF after the
	// last record, a *ParseError for a malformed one unless the reader
	// skips bad rows, and a *ReadError when the source's bytes cannot be
	// read on (a corrupt or truncated gzip stream): that one ends the
	// source whatever ReadOptions.SkipBad says.
	Next(rec *Record) error
	// Skipped is the number of malformed rows skipped so far.
	Skipped() int64
	// Close releases the underlying file.
	Close() error
}

// ParseError is malformed input, located precisely enough to fix it.
type ParseError struct {
	File   string
	Line   int    // 1-based; 0 when the problem is the file as a whole
	Column int    // 1-based; 0 when the problem is the line as a whole
	Field  string // the column's name, when known
	// Msg says what was expected and what was found.
	Msg string
}

// Error formats the location and the message, e.g.
// `train.csv:12: column 5 (I4): expected an integer, found "abc"`.
func (e *ParseError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	switch {
	case e.Column > 0 && e.Field != "":
		return fmt.Sprintf("%s: column %d (%s): %s", loc, e.Column, e.Field, e.Msg)
	case e.Column > 0:
		return fmt.Sprintf("%s: column %d: %s", loc, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// ReadError is a failure to read a source's bytes — a corrupt or truncated
// gzip stream, an I/O error — rather than a malformed row. Nothing after it
// can be read, so it is never skipped as a bad row (ReadOptions.SkipBad):
// it ends the source, and a reader returns it again if called again.
type ReadError struct {
	File string
	Line int    // 1-based: the line being read when the stream broke
	Msg  string // what broke, e.g. "the gzip stream is corrupt or truncated"
	Err  error  // the underlying error (io.ErrUnexpectedEOF, gzip.ErrChecksum…)
}

// Error formats the location, what broke and why, e.g.
// `day_0.gz:5120: the gzip stream is corrupt or truncated: unexpected EOF`.
func (e *ReadError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Msg, e.Err)
}

// Unwrap returns the underlying error.
func (e *ReadError) Unwrap() error { return e.Err }

// ForEach calls fn for every record of r, in order, reusing one Record,
// until io.EOF (nil), a read error, or an error from fn (returned as is).
// It does not close r.
func ForEach(r Reader, fn func(rec *Record) error) error {
	var rec Record
	for {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
}

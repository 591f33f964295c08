package data

import (
	"errors"
	"io"
)

// skipper implements ReadOptions.SkipBad for every reader: it decides which
// errors are malformed rows to count and skip, and reports the count.
type skipper struct {
	skipBad bool
	skipped int64
}

// Skipped counts the malformed rows skipped under ReadOptions.SkipBad.
func (s *skipper) Skipped() int64 { return s.skipped }

// skip reports whether err is a malformed row (a ParseError located on a
// line) to skip, counting it. File-level errors, a broken stream (a
// *ReadError, which is no ParseError) and the end of input are never
// skipped.
func (s *skipper) skip(err error) bool {
	var pe *ParseError
	if s.skipBad && err != io.EOF && errors.As(err, &pe) && pe.Line > 0 {
		s.skipped++
		return true
	}
	return false
}

// lineParser parses one line into a reader's record buffers.
type lineParser interface {
	parse(line []byte) error
}

// nextValidLine reads lines from src until p accepts one, skipping the
// malformed ones when s allows.
func nextValidLine(src *lineSource, p lineParser, s *skipper) error {
	for {
		line, err := src.next()
		if err == nil {
			err = p.parse(line)
		}
		if err == nil || !s.skip(err) {
			return err
		}
	}
}

package data

import (
	"errors"
)

// BlockReader is implemented by the readers whose records can be parsed
// away from the goroutine that reads them: ReadBlock does only the work
// that must be sequential — reading the bytes, finding the lines, drawing a
// generator's random numbers — and Block.Parse the rest, on any goroutine,
// several blocks at once. Parsing the blocks in order yields exactly the
// records, errors and skipped rows that Next would. A reader is read either
// by Next or by ReadBlock, never both.
type BlockReader interface {
	Reader
	// ReadBlock reads the raw input of the next records, at most n of
	// them, into a block, reusing dst (a block this reader or one of the
	// same kind returned before, once its parsing is over) when it can.
	// The error, when not nil, comes after the block's records: io.EOF at
	// the end of the source, or what ended it (a *ReadError, a file-level
	// *ParseError). A *ParseError of one malformed line is not returned
	// here but by Parse, in its place among the records.
	ReadBlock(dst Block, n int) (Block, error)
}

// Block is a run of consecutive records of a BlockReader, read but not
// yet parsed.
type Block interface {
	// Len is the number of records read into the block, the malformed
	// ones included.
	Len() int
	// Parse calls fn with each record of the block, in order; rec's
	// columns are valid until fn returns. A malformed record is skipped
	// and counted under ReadOptions.SkipBad, and otherwise ends the
	// parsing with its *ParseError, as Next would return it. Parse returns
	// the number of records skipped and the first error (fn's included).
	Parse(fn func(rec *Record) error) (skipped int64, err error)
}

// lineBlock is a block of a file's non-blank lines, copied out of the
// reader's buffer, each with its line number; a line that could not be
// read whole (over-long) is kept as its error, to be reported or skipped
// in its place.
type lineBlock struct {
	file  string
	buf   []byte
	ends  []int // each line's end in buf
	lines []int // each line's 1-based number
	bad   []badLine
	// parsed are the entries parsed while reading (a CSV record whose
	// quotes may span lines): their fields' ends within the entry.
	parsed []parsedLine
	// parse parses one line of file into a record's columns, using and
	// returning the scratch the block keeps between lines.
	parse   func(line []byte, file string, lineNo int, s *parseScratch) ([][]byte, error)
	skipBad bool
	scratch parseScratch
}

// badLine is the error of the entry at index i of a lineBlock.
type badLine struct {
	i   int
	err error
}

// parsedLine is the entry at index i of a lineBlock, parsed already into
// fields ending at ends.
type parsedLine struct {
	i    int
	ends []int
}

// parseScratch is the reusable memory of one goroutine parsing lines.
type parseScratch struct {
	cols [][]byte
	conv []byte
	ends []int
}

// reuseLineBlock returns dst emptied when it is a lineBlock, else a new one.
func reuseLineBlock(dst Block) *lineBlock {
	b, ok := dst.(*lineBlock)
	if !ok {
		return &lineBlock{}
	}
	b.buf, b.ends, b.lines, b.bad, b.parsed = b.buf[:0], b.ends[:0], b.lines[:0], b.bad[:0], b.parsed[:0]
	return b
}

// add appends a line read at lineNo.
func (b *lineBlock) add(line []byte, lineNo int) {
	b.buf = append(b.buf, line...)
	b.ends = append(b.ends, len(b.buf))
	b.lines = append(b.lines, lineNo)
}

// addBad appends a line that could not be read, as its error.
func (b *lineBlock) addBad(err *ParseError) {
	b.bad = append(b.bad, badLine{len(b.ends), err})
	b.add(nil, err.Line)
}

// addParsed appends a record read at lineNo and parsed already: its
// fields back to back in buf, ending at ends.
func (b *lineBlock) addParsed(buf []byte, ends []int, lineNo int) {
	b.parsed = append(b.parsed, parsedLine{len(b.ends), append([]int(nil), ends...)})
	b.add(buf, lineNo)
}

// fill reads up to n more non-blank lines of src into b, and returns what
// ended the reading early: io.EOF, a *ReadError or the empty file's error.
func (b *lineBlock) fill(src *lineSource, n int) error {
	for len(b.ends) < n {
		line, err := src.next()
		var pe *ParseError
		switch {
		case err == nil:
			b.add(line, src.line)
		case errors.As(err, &pe) && pe.Line > 0:
			b.addBad(pe) // an over-long line: a bad record in its place
		default:
			return err
		}
	}
	return nil
}

// Len implements Block.
func (b *lineBlock) Len() int { return len(b.ends) }

// Parse implements Block.
func (b *lineBlock) Parse(fn func(rec *Record) error) (skipped int64, err error) {
	rec := Record{File: b.file}
	bad, parsed := b.bad, b.parsed
	start := 0
	for i, end := range b.ends {
		line := b.buf[start:end:end]
		start = end
		var err error
		switch {
		case len(bad) > 0 && bad[0].i == i:
			err, bad = bad[0].err, bad[1:]
		case len(parsed) > 0 && parsed[0].i == i:
			rec.Cols = b.scratch.cols[:0]
			from := 0
			for _, e := range parsed[0].ends {
				rec.Cols = append(rec.Cols, line[from:e:e])
				from = e
			}
			b.scratch.cols, parsed = rec.Cols, parsed[1:]
		default:
			rec.Cols, err = b.parse(line, b.file, b.lines[i], &b.scratch)
		}
		if err != nil {
			if b.skipBad {
				skipped++
				continue
			}
			return skipped, err
		}
		rec.Line = b.lines[i]
		if err := fn(&rec); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

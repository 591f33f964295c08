package synth

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/recforge/recforge/data"
)

// appendCTRRow appends the raw columns of row — label, counts, tokens —
// separated by sep (none when sep is 0), and records each column's end
// offset in ends when ends is not nil.
func (g *CTR) appendCTRRow(dst []byte, row *CTRRow, sep byte, ends []int) []byte {
	col := 0
	next := func() {
		if ends != nil {
			ends[col] = len(dst)
		}
		col++
		if sep != 0 && col < len(g.columns) {
			dst = append(dst, sep)
		}
	}
	if row.Label {
		dst = append(dst, '1')
	} else {
		dst = append(dst, '0')
	}
	next()
	for k, x := range row.Num {
		if !row.NumMissing[k] {
			dst = strconv.AppendInt(dst, x, 10)
		}
		next()
	}
	for j, v := range row.Cat {
		if v >= 0 {
			dst = appendToken(dst, g.cats[j].salt, v)
		}
		next()
	}
	return dst
}

// ctrReader serves generated rows as raw records, exactly as the Criteo
// reader serves a file's lines.
type ctrReader struct {
	g      *CTR
	s      *CTRStream
	n, i   int
	row    CTRRow
	buf    []byte
	ends   []int
	closed bool
}

// Reader returns a data.Reader over the first n rows, with the columns of
// Columns and the bytes WriteTSV would write. Records are located in the
// pseudo-file "synth-ctr", line i+1 for row i; none is ever malformed.
func (g *CTR) Reader(n int) data.Reader {
	return &ctrReader{g: g, s: g.Stream(), n: n, row: g.NewRow(), ends: make([]int, len(g.columns))}
}

func (r *ctrReader) Columns() []string { return r.g.columns }
func (r *ctrReader) Skipped() int64    { return 0 }

// Records is the number of rows the reader serves (data.RecordCounter).
func (r *ctrReader) Records() int64 { return int64(r.n) }

func (r *ctrReader) Next(rec *data.Record) error {
	if r.closed {
		return errors.New("synth: Next on a closed reader")
	}
	if r.i >= r.n {
		return io.EOF
	}
	r.s.Next(&r.row)
	r.buf = r.g.appendCTRRow(r.buf[:0], &r.row, 0, r.ends)
	rec.File, rec.Line = "synth-ctr", r.i+1
	rec.Cols = rec.Cols[:0]
	start := 0
	for _, end := range r.ends {
		rec.Cols = append(rec.Cols, r.buf[start:end:end])
		start = end
	}
	r.i++
	return nil
}

// ReadBlock implements data.BlockReader: the rows' random numbers are
// drawn here, in order; the block computes and formats the rows.
func (r *ctrReader) ReadBlock(dst data.Block, n int) (data.Block, error) {
	if r.closed {
		return nil, errors.New("synth: ReadBlock on a closed reader")
	}
	b, ok := dst.(*ctrBlock)
	if !ok || b.g != r.g {
		b = &ctrBlock{g: r.g, row: r.g.NewRow(), ends: make([]int, len(r.g.columns))}
	}
	n = max(0, min(n, r.n-r.i))
	if cap(b.u) < n {
		b.d, b.u = r.g.newDraws(n), make([]float64, n)
	}
	b.first, b.u = r.i, b.u[:n]
	for i := range n {
		r.s.drawRandom(r.g.row(b.d, i))
		b.u[i] = r.s.rng.Float64()
	}
	r.i += n
	if r.i == r.n {
		return b, io.EOF
	}
	return b, nil
}

// ctrBlock is a block of generated rows: their random numbers, drawn in
// order by ReadBlock; Parse makes the rows.
type ctrBlock struct {
	g     *CTR
	first int       // the first row's index
	d     rowDraws  // the features' draws
	u     []float64 // each row's uniform for its click
	row   CTRRow
	buf   []byte
	ends  []int
	cols  [][]byte
}

// Len implements data.Block.
func (b *ctrBlock) Len() int { return len(b.u) }

// Parse implements data.Block: row by row, the Next of the reader that
// drew the block.
func (b *ctrBlock) Parse(fn func(rec *data.Record) error) (int64, error) {
	rec := data.Record{File: "synth-ctr"}
	for i, u := range b.u {
		b.g.compute(b.g.row(b.d, i), &b.row)
		b.g.finish(&b.row, u)
		b.buf = b.g.appendCTRRow(b.buf[:0], &b.row, 0, b.ends)
		b.cols = b.cols[:0]
		start := 0
		for _, end := range b.ends {
			b.cols = append(b.cols, b.buf[start:end:end])
			start = end
		}
		rec.Line, rec.Cols = b.first+i+1, b.cols
		if err := fn(&rec); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func (r *ctrReader) Close() error {
	r.closed = true
	return nil
}

// WriteTSV writes the first n rows in Criteo's raw format: no header, one
// row per line, TAB-separated label, counts and 8-hex-digit tokens, empty
// fields for missing values.
func (g *CTR) WriteTSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	s := g.Stream()
	row := g.NewRow()
	var line []byte
	for range n {
		s.Next(&row)
		line = g.appendCTRRow(line[:0], &row, '\t', nil)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteTSVFile writes the first n rows to path with WriteTSV, gzipped when
// path ends in ".gz" (with no name or time in the gzip header, so the file is
// byte-identical across runs).
func (g *CTR) WriteTSVFile(path string, n int) error {
	return writeFile(path, func(w io.Writer) error { return g.WriteTSV(w, n) })
}

// writeFile creates path and runs write on it, through gzip for ".gz".
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("synth: %w", cerr)
		}
	}()
	if !strings.HasSuffix(path, ".gz") {
		return write(f)
	}
	zw := gzip.NewWriter(f)
	if err := write(zw); err != nil {
		return err
	}
	return zw.Close()
}

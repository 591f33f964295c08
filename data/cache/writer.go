package cache

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Writer builds a cache file row by row in bounded memory: each column is
// spilled to its own temporary file and the columns are assembled into the
// final file by Close.
type Writer struct {
	path        string
	fingerprint [32]byte
	cols        []Column
	spills      []*spill // per column: values
	offs        []*spill // per ragged column: per-row end offsets (nil for fixed)
	ends        []int64  // per ragged column: values so far
	got         []int    // per column: values appended to the current row
	rows        int64
	meta        []byte
	scratch     []byte
	err         error
}

type spill struct {
	f *os.File
	w *bufio.Writer
	n int64 // bytes written
}

// Create starts a cache at path with the given fingerprint and columns.
// Nothing appears at path until Close succeeds. It first removes the
// temporary files that killed builds of path left behind, never those of a
// build still running.
func Create(path string, fingerprint [32]byte, cols []Column) (*Writer, error) {
	w := &Writer{path: path, fingerprint: fingerprint, cols: append([]Column(nil), cols...)}
	seen := map[string]bool{}
	for _, c := range cols {
		if c.Type.size() == 0 || c.Width < Unrowed || c.Name == "" || len(c.Name) > math.MaxUint16 || seen[c.Name] {
			return nil, fmt.Errorf("cache: invalid or duplicate column %+v", c)
		}
		seen[c.Name] = true
	}
	removeStale(path)
	dir := filepath.Dir(path)
	newSpill := func() (*spill, error) {
		f, err := os.CreateTemp(dir, filepath.Base(path)+".*.col")
		if err != nil {
			return nil, err
		}
		os.Remove(f.Name()) // unlinked at once: nothing is left behind, whatever happens
		return &spill{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
	}
	for _, c := range cols {
		s, err := newSpill()
		if err != nil {
			w.Abort()
			return nil, err
		}
		w.spills = append(w.spills, s)
		var o *spill
		if c.Width == 0 {
			if o, err = newSpill(); err != nil {
				w.Abort()
				return nil, err
			}
		}
		w.offs = append(w.offs, o)
	}
	w.ends = make([]int64, len(cols))
	w.got = make([]int, len(cols))
	return w, nil
}

// Float32 appends values of column c (of type Float32) to the current row,
// or for an unrowed column to its array.
func (w *Writer) Float32(c int, v []float32) {
	if !w.want(c, Float32) {
		return
	}
	b := w.scratch[:0]
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	w.write(c, b, len(v))
}

// Int32 appends values of column c (of type Int32), as Float32.
func (w *Writer) Int32(c int, v []int32) {
	if !w.want(c, Int32) {
		return
	}
	b := w.scratch[:0]
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	w.write(c, b, len(v))
}

// Int64 appends values of column c (of type Int64), as Float32.
func (w *Writer) Int64(c int, v []int64) {
	if !w.want(c, Int64) {
		return
	}
	b := w.scratch[:0]
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	w.write(c, b, len(v))
}

func (w *Writer) want(c int, t DType) bool {
	if w.err != nil {
		return false
	}
	if c < 0 || c >= len(w.cols) || w.cols[c].Type != t {
		w.err = fmt.Errorf("cache: column %d is not a %v column", c, t)
		return false
	}
	return true
}

func (w *Writer) write(c int, b []byte, n int) {
	w.scratch = b
	s := w.spills[c]
	if _, err := s.w.Write(b); err != nil {
		w.err = err
	}
	s.n += int64(len(b))
	if w.cols[c].Width != Unrowed {
		w.got[c] += n
	}
}

// EndRow closes the current row. Every fixed-width column must have received
// exactly Width values; an unrowed column takes no part.
func (w *Writer) EndRow() error {
	if w.err != nil {
		return w.err
	}
	for c, col := range w.cols {
		if col.Width == Unrowed {
			continue
		}
		if col.Width == 0 {
			w.ends[c] += int64(w.got[c])
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], uint64(w.ends[c]))
			o := w.offs[c]
			if _, err := o.w.Write(b[:]); err != nil {
				w.err = err
				return err
			}
			o.n += 8
		} else if w.got[c] != col.Width {
			w.err = fmt.Errorf("cache: row %d: column %q got %d values, want %d", w.rows+1, col.Name, w.got[c], col.Width)
			return w.err
		}
		w.got[c] = 0
	}
	w.rows++
	return nil
}

// SetMeta sets the metadata stored in the header (at most MaxMeta bytes,
// read back by Cache.Meta): what the caller learned while writing the rows
// and must find again when the cache is reused, as the number of records it
// skipped. The last call before Close wins.
func (w *Writer) SetMeta(b []byte) {
	if w.err == nil && len(b) > MaxMeta {
		w.err = fmt.Errorf("cache: %d bytes of metadata, at most %d", len(b), MaxMeta)
		return
	}
	w.meta = append(w.meta[:0], b...)
}

// Rows is the number of complete rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Close assembles the cache and renames it into place.
func (w *Writer) Close() error {
	defer w.Abort()
	if w.err != nil {
		return w.err
	}
	for c := range w.cols {
		if w.got[c] != 0 {
			return fmt.Errorf("cache: the last row was not ended")
		}
	}
	h := &header{fingerprint: w.fingerprint, rows: w.rows, meta: w.meta}
	for _, c := range w.cols {
		h.sections = append(h.sections, section{Column: c})
	}
	pos := int64(len(h.marshal())) // section offsets do not change the header's size
	for c := range h.sections {
		s := &h.sections[c]
		if o := w.offs[c]; o != nil {
			pos = alignUp(pos)
			s.offsetsAt, s.offsetsLen = pos, 8+o.n // a leading 0 offset
			pos += s.offsetsLen
		}
		pos = alignUp(pos)
		s.valuesAt, s.valuesLen = pos, w.spills[c].n
		pos += s.valuesLen
	}
	tmp, err := createTemp(w.path)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close() // may have been closed already: the error is moot
			os.Remove(tmp.Name())
		}
	}()
	out := bufio.NewWriterSize(tmp, 1<<20)
	written := int64(0)
	put := func(b []byte) error {
		n, err := out.Write(b)
		written += int64(n)
		return err
	}
	pad := func(at int64) error { return put(make([]byte, at-written)) }
	// copySpill appends a spill file's bytes to the output and to the
	// checksum sum.
	copySpill := func(s *spill, sum *uint32) error {
		if err := s.w.Flush(); err != nil {
			return err
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		n, err := io.Copy(io.MultiWriter(out, crcWriter{sum}), s.f)
		written += n
		return err
	}
	// The header goes first with its checksums still zero, and again once
	// the sections are written and summed: its size does not change.
	if err := put(h.marshal()); err != nil {
		return err
	}
	for c := range h.sections {
		s := &h.sections[c]
		if o := w.offs[c]; o != nil {
			if err := pad(s.offsetsAt); err != nil {
				return err
			}
			zero := make([]byte, 8)
			s.offsetsCRC = crc32.Update(0, castagnoli, zero)
			if err := put(zero); err != nil {
				return err
			}
			if err := copySpill(o, &s.offsetsCRC); err != nil {
				return err
			}
		}
		if err := pad(s.valuesAt); err != nil {
			return err
		}
		if err := copySpill(w.spills[c], &s.valuesCRC); err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if _, err := tmp.WriteAt(h.marshal(), 0); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := commitTemp(tmp, w.path); err != nil {
		return err
	}
	ok = true
	return nil
}

// crcWriter adds what is written to a running CRC-32C.
type crcWriter struct{ sum *uint32 }

func (c crcWriter) Write(b []byte) (int, error) {
	*c.sum = crc32.Update(*c.sum, castagnoli, b)
	return len(b), nil
}

// Abort discards the cache being written. It is safe to call after Close.
func (w *Writer) Abort() {
	for _, s := range append(w.spills, w.offs...) {
		if s != nil {
			s.f.Close()
		}
	}
	w.spills, w.offs = nil, nil
	if w.err == nil {
		w.err = fmt.Errorf("cache: writer closed")
	}
}

func alignUp(n int64) int64 { return (n + align - 1) &^ (align - 1) }

package data

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A file reader's PATH may name several files read in order as one source
// (see Open): a glob pattern, "day_*.gz", whose matches are read in sorted
// order, or a comma-separated list, "a.csv,b.csv", each element of which
// may itself be a pattern. A path that names an existing file is that file,
// whatever characters it holds.

// isPattern reports whether p holds a glob metacharacter.
func isPattern(p string) bool { return strings.ContainsAny(p, "*?[") }

// ExpandPaths returns the files the PATH of a file reader's spec names, in
// reading order: PATH itself when it is a file or names a single path, the
// sorted matches of a glob pattern, or the elements of a comma-separated
// list, each expanded likewise. A pattern that matches nothing, a
// malformed pattern and an empty list element are errors naming them.
func ExpandPaths(path string) ([]string, error) {
	if _, err := os.Stat(path); err == nil {
		return []string{path}, nil
	}
	parts := []string{path}
	if strings.Contains(path, ",") {
		parts = strings.Split(path, ",")
	}
	var out []string
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("file list %q: an empty file name", path)
		}
		if _, err := os.Stat(p); err == nil || !isPattern(p) {
			// A missing plain file is its opener's to report.
			out = append(out, p)
			continue
		}
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("file pattern %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no file matches the pattern %q", p)
		}
		slices.Sort(m)
		out = append(out, m...)
	}
	return out, nil
}

// multiReader reads the records of several files, one after another, as
// one source: each file is opened by the same reader when the one before it
// is exhausted. Records keep their own file and line, so errors name them.
type multiReader struct {
	open    func(path string) (Reader, error)
	files   []string
	sizes   []int64 // each file's size, for progress
	columns []string
	cur     Reader
	next    int   // index of the file after cur
	skipped int64 // rows skipped by the readers already closed
	done    int64 // bytes of the files already read
	sparse  bool
	err     error // the error that ended the source, returned for good
}

// openMulti opens files as one source with open, checking first that
// every file's columns (a header line, for the readers that have one) are
// the first file's, so that a mismatch is found before any record is
// read, and named by the file that differs.
func openMulti(files []string, open func(path string) (Reader, error)) (Reader, error) {
	first, err := open(files[0])
	if err != nil {
		return nil, err
	}
	m := &multiReader{open: open, files: files, columns: first.Columns(), cur: first, next: 1}
	if s, ok := first.(SparseSource); ok && s.Sparse() {
		m.sparse = true
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			first.Close()
			return nil, err
		}
		m.sizes = append(m.sizes, st.Size())
	}
	for _, f := range files[1:] {
		r, err := open(f)
		if err != nil {
			first.Close()
			return nil, err
		}
		cols := r.Columns()
		r.Close()
		if !slices.Equal(cols, m.columns) {
			first.Close()
			return nil, &ParseError{File: f, Msg: fmt.Sprintf("columns %s differ from those of %s, the first file of the source (%s): every file must have the same columns",
				strings.Join(cols, ","), files[0], strings.Join(m.columns, ","))}
		}
	}
	if _, ok := first.(BlockReader); ok {
		return multiBlockReader{m}, nil
	}
	return m, nil
}

// Columns names the columns of every file's records.
func (m *multiReader) Columns() []string { return m.columns }

// Sparse reports whether the files are read as sparse rows (SparseSource).
func (m *multiReader) Sparse() bool { return m.sparse }

// Next reads the next record of the current file, moving on to the next
// file at the end of one.
func (m *multiReader) Next(rec *Record) error {
	for {
		if m.err != nil {
			return m.err
		}
		err := m.cur.Next(rec)
		if !errors.Is(err, io.EOF) {
			return err
		}
		if err := m.advance(); err != nil {
			return err
		}
	}
}

// advance closes the exhausted current file and opens the next one; it
// returns io.EOF after the last file, and the error that ended the source
// for good otherwise.
func (m *multiReader) advance() error {
	if m.next == len(m.files) {
		return io.EOF
	}
	m.skipped += m.cur.Skipped()
	m.done += m.sizes[m.next-1]
	if err := m.cur.Close(); err != nil {
		m.err = err
		return err
	}
	r, err := m.open(m.files[m.next])
	if err != nil {
		m.cur, m.err = nopReader{}, err
		return err
	}
	if !slices.Equal(r.Columns(), m.columns) {
		// The file changed since openMulti checked it.
		r.Close()
		m.cur = nopReader{}
		m.err = &ParseError{File: m.files[m.next], Msg: fmt.Sprintf("columns %s differ from those of %s, the first file of the source", strings.Join(r.Columns(), ","), m.files[0])}
		return m.err
	}
	m.cur = r
	m.next++
	return nil
}

// multiBlockReader is a multiReader over files whose readers are
// BlockReaders, and is one itself: a block never spans two files.
type multiBlockReader struct{ *multiReader }

// ReadBlock implements BlockReader, moving on to the next file at the end
// of one.
func (m multiBlockReader) ReadBlock(dst Block, n int) (Block, error) {
	for {
		if m.err != nil {
			return emptyBlock{}, m.err
		}
		br, ok := m.cur.(BlockReader)
		if !ok { // a nopReader, after an error
			return emptyBlock{}, io.EOF
		}
		b, err := br.ReadBlock(dst, n)
		if !errors.Is(err, io.EOF) {
			return b, err
		}
		if err := m.advance(); err != nil {
			return b, err
		}
		if b != nil && b.Len() > 0 {
			return b, nil // the next file's records come with the next block
		}
		dst = b
	}
}

// Skipped counts the malformed rows skipped in every file so far.
func (m *multiReader) Skipped() int64 { return m.skipped + m.cur.Skipped() }

// BytesRead reports the bytes read of all the files: those of the files
// done, and the current file's when its reader tells.
func (m *multiReader) BytesRead() (read, total int64) {
	for _, s := range m.sizes {
		total += s
	}
	read = m.done
	if b, ok := m.cur.(ByteCounter); ok {
		r, _ := b.BytesRead()
		read += r
	}
	return read, total
}

// Close closes the current file.
func (m *multiReader) Close() error { return m.cur.Close() }

// nopReader stands in for a file that could not be opened.
type nopReader struct{}

func (nopReader) Columns() []string  { return nil }
func (nopReader) Next(*Record) error { return io.EOF }
func (nopReader) Skipped() int64     { return 0 }
func (nopReader) Close() error       { return nil }

// emptyBlock is a block of no records.
type emptyBlock struct{}

func (emptyBlock) Len() int                                     { return 0 }
func (emptyBlock) Parse(func(rec *Record) error) (int64, error) { return 0, nil }

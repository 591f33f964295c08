package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// ParquetReader reads the rows of a Parquet file as records, one column per
// leaf column of the file's schema (nested names joined with "."). Values
// are rendered as the text readers would see them — integers in decimal,
// floats in the shortest form that round-trips, booleans as 0/1, byte arrays
// as they are — so that the same schema and encoders serve both. A null is a
// missing (empty) value; a repeated column's values are joined with
// ListSeparator, to be split by a sequence field.
//
// For Parquet sources, Record.Line is the 1-based row number.
type ParquetReader struct {
	// ListSeparator joins the values of a repeated column (default "|").
	ListSeparator string

	path      string
	file      *os.File
	groups    []parquet.RowGroup // the row groups not yet opened
	rows      parquet.Rows       // the open row group's rows, nil between groups
	groupDone bool               // rows has returned its last row
	columns   []string
	buf       []parquet.Row
	pending   []parquet.Row
	line      int
	cols      [][]byte
	text      [][]byte // per column, the backing bytes of cols
	flags     []bool   // per column, true until the row's first value
	err       error    // the *ReadError that ended the file, returned for good
}

// OpenParquet opens a Parquet file for reading.
func OpenParquet(path string) (*ParquetReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := checkParquetFooter(f, st.Size()); err != nil {
		f.Close()
		return nil, &ParseError{File: path, Msg: "expected a Parquet file: " + err.Error()}
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, &ParseError{File: path, Msg: "expected a Parquet file: " + err.Error()}
	}
	var columns []string
	for _, p := range pf.Schema().Columns() {
		columns = append(columns, strings.Join(p, "."))
	}
	r := &ParquetReader{
		ListSeparator: "|",
		path:          path, file: f, groups: pf.RowGroups(), columns: columns,
		buf:  make([]parquet.Row, 64),
		cols: make([][]byte, len(columns)),
		text: make([][]byte, len(columns)),
	}
	return r, nil
}

// checkParquetFooter checks the footer length a Parquet file states in
// its last 8 bytes against the file's size: parquet-go allocates that many
// bytes before reading them, so a corrupt length (up to 4 GiB) in a tiny
// file would exhaust memory.
func checkParquetFooter(f io.ReaderAt, size int64) error {
	const trailer = 8 // footer length (4 bytes, little-endian) and magic
	if size < 4+trailer {
		return fmt.Errorf("%d bytes is too short for a Parquet file", size)
	}
	var b [trailer]byte
	if _, err := f.ReadAt(b[:], size-trailer); err != nil {
		return err
	}
	if n := int64(binary.LittleEndian.Uint32(b[:4])); n > size-4-trailer {
		return fmt.Errorf("the footer claims %d bytes in a file of %d", n, size)
	}
	return nil
}

// Columns names the leaf columns, in schema order.
func (r *ParquetReader) Columns() []string { return r.columns }

// Skipped is always 0: Parquet values are typed, so no row is malformed.
func (r *ParquetReader) Skipped() int64 { return 0 }

// Next fills rec with the next row; it returns io.EOF after the last one.
func (r *ParquetReader) Next(rec *Record) error {
	for len(r.pending) == 0 {
		if r.err != nil {
			return r.err
		}
		// A group is closed only once its rows are consumed: their values
		// may point into its pages.
		if r.rows != nil && r.groupDone {
			r.rows.Close()
			r.rows = nil
		}
		if r.rows == nil {
			if len(r.groups) == 0 {
				return io.EOF
			}
			r.rows, r.groupDone = r.groups[0].Rows(), false
			r.groups = r.groups[1:]
		}
		n, err := r.rows.ReadRows(r.buf)
		r.pending = r.buf[:n]
		if err != nil && !errors.Is(err, io.EOF) {
			// A page that cannot be decoded is a broken file, not a
			// malformed row: it ends the file once the rows read before
			// it are served, rather than skipping or repeating rows.
			r.err = &ReadError{File: r.path, Line: r.line + n + 1, Msg: "reading Parquet rows", Err: err}
		}
		r.groupDone = n == 0 || err != nil
	}
	row := r.pending[0]
	r.pending = r.pending[1:]
	r.line++
	for c := range r.text {
		r.text[c] = r.text[c][:0]
	}
	first := r.firstFlags()
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(r.text) || v.IsNull() {
			continue
		}
		if !first[c] {
			r.text[c] = append(r.text[c], r.ListSeparator...)
		}
		first[c] = false
		r.text[c] = appendValue(r.text[c], v)
	}
	for c := range r.cols {
		r.cols[c] = r.text[c]
	}
	rec.File, rec.Line, rec.Cols = r.path, r.line, r.cols
	return nil
}

// firstFlags returns a reused per-column "no value yet" flag slice.
func (r *ParquetReader) firstFlags() []bool {
	if cap(r.flags) < len(r.columns) {
		r.flags = make([]bool, len(r.columns))
	}
	f := r.flags[:len(r.columns)]
	for i := range f {
		f[i] = true
	}
	return f
}

// Close closes the file.
func (r *ParquetReader) Close() error {
	if r.rows != nil {
		r.rows.Close()
	}
	return r.file.Close()
}

func appendValue(b []byte, v parquet.Value) []byte {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return append(b, '1')
		}
		return append(b, '0')
	case parquet.Int32:
		return strconv.AppendInt(b, int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case parquet.Float:
		return strconv.AppendFloat(b, float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.AppendFloat(b, v.Double(), 'g', -1, 64)
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return append(b, v.ByteArray()...)
	}
	return append(b, fmt.Sprint(v)...)
}

package data

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type parquetRow struct {
	Label float32  `parquet:"label"`
	User  int64    `parquet:"user"`
	Item  string   `parquet:"item"`
	Price *float64 `parquet:"price,optional"`
	Hist  []int32  `parquet:"hist,list"`
	Clean bool     `parquet:"clean"`
}

func TestParquetReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.parquet")
	price := 12.5
	rows := []parquetRow{
		{Label: 1, User: 42, Item: "a7", Price: &price, Hist: []int32{3, 9, 4}, Clean: true},
		{Label: 0, User: -3, Item: "", Price: nil, Hist: nil},
	}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	r, err := OpenParquet(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	col := map[string]int{}
	for i, c := range r.Columns() {
		col[c] = i
	}
	for _, name := range []string{"label", "user", "item", "price", "hist.list.element", "clean"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("column %q missing from %v", name, r.Columns())
		}
	}
	want := []map[string]string{
		{"label": "1", "user": "42", "item": "a7", "price": "12.5", "hist.list.element": "3|9|4", "clean": "1"},
		{"label": "0", "user": "-3", "item": "", "price": "", "hist.list.element": "", "clean": "0"},
	}
	var rec Record
	for i, w := range want {
		if err := r.Next(&rec); err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
		if rec.Line != i+1 || rec.File != path {
			t.Fatalf("row %d located at %s:%d", i+1, rec.File, rec.Line)
		}
		for name, v := range w {
			if got := string(rec.Cols[col[name]]); got != v {
				t.Errorf("row %d, %s = %q, want %q", i+1, name, got, v)
			}
		}
	}
	if err := r.Next(&rec); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last row: %v, want io.EOF", err)
	}
}

func TestParquetReaderRejectsOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not.parquet")
	if err := os.WriteFile(path, []byte("0\t1\t2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenParquet(path)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != path {
		t.Fatalf("opening a TSV as Parquet: %v, want a ParseError naming the file", err)
	}
}

// Rows spread over several row groups, each read in several batches, come
// back complete and in order.
func TestParquetReaderRowGroups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.parquet")
	rows := make([]parquetRow, 200)
	for i := range rows {
		rows[i] = parquetRow{Label: float32(i % 2), User: int64(i), Item: "x"}
	}
	if err := parquet.WriteFile(path, rows, parquet.MaxRowsPerRowGroup(70)); err != nil {
		t.Fatal(err)
	}
	r, err := OpenParquet(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	user := slices.Index(r.Columns(), "user")
	var rec Record
	for i := range rows {
		if err := r.Next(&rec); err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
		if got := string(rec.Cols[user]); got != strconv.Itoa(i) {
			t.Fatalf("row %d: user %q, want %d", i+1, got, i)
		}
	}
	if err := r.Next(&rec); !errors.Is(err, io.EOF) {
		t.Fatalf("after 200 rows: %v, want io.EOF", err)
	}
}

// A Parquet file whose trailer claims a footer longer than the file is
// refused before anything is allocated: parquet-go would allocate the
// claimed length, up to 4 GiB, for a file of a few hundred bytes.
func TestParquetFooterLengthChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.parquet")
	if err := parquet.WriteFile(path, []parquetRow{{Label: 1, User: 42, Item: "a7"}}); err != nil {
		t.Fatal(err)
	}
	b := readFile(t, path)
	binary.LittleEndian.PutUint32(b[len(b)-8:], 0xdbdbdbdb)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := OpenParquet(path)
	runtime.ReadMemStats(&after)
	wantParseError(t, err, path, 0, 0, "the footer claims 3688618971 bytes in a file of")
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("opening the file allocated %d bytes", n)
	}
}

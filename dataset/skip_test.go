package dataset

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
)

// shortRows is a reader whose records lack columns: a defect of the
// reader, not of the data.
type shortRows struct{ n int }

func (r *shortRows) Columns() []string { return data.CriteoColumns }
func (r *shortRows) Skipped() int64    { return 0 }
func (r *shortRows) Close() error      { return nil }
func (r *shortRows) Next(rec *data.Record) error {
	if r.n == 0 {
		return io.EOF
	}
	r.n--
	rec.File, rec.Line, rec.Cols = "short", 1, [][]byte{[]byte("1"), nil, nil}
	return nil
}

func init() {
	data.Register("test-short-rows", func(string, data.ReadOptions) (data.Reader, error) { return &shortRows{n: 5}, nil }, true)
}

// Under SkipBad only malformed values are skipped: an encoder error that
// is no *feature.ValueError (a record of the wrong width) fails the build
// instead of dropping every row as bad.
func TestBuildSkipsOnlyBadValues(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "train.tsv")
	writeCTR(t, src, 200)
	opts := Options{Read: data.ReadOptions{SkipBad: true}}
	enc, err := Fit(context.Background(), "criteo:"+src, criteoSchema(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := Build(context.Background(), "test-short-rows:x", enc, filepath.Join(dir, "c"), opts)
	if err == nil {
		d.Close()
		t.Fatalf("built %d rows with %d skipped, want an error", d.Rows, d.Skipped)
	}
	if !strings.Contains(err.Error(), "record has 3 columns, want 40") {
		t.Fatalf("error %v, want the column count", err)
	}
}

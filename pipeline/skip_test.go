package pipeline

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
)

// shortRows has the columns of the synthetic CTR source but records that
// lack most of them: a defect of the reader, not of the data.
type shortRows struct {
	columns []string
	n       int
}

func (r *shortRows) Columns() []string { return r.columns }
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
	data.Register("test-short-rows", func(string, data.ReadOptions) (data.Reader, error) {
		r, err := data.Open("synthetic:ctr?rows=1&seed=4&max_vocab=50", data.ReadOptions{})
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return &shortRows{columns: r.Columns(), n: 5}, nil
	}, true)
}

// Under SkipBad, Score skips only malformed values: an encoder error that
// is no *feature.ValueError (a record of the wrong width) fails instead of
// dropping every row as bad.
func TestScoreSkipsOnlyBadValues(t *testing.T) {
	_, o := trainedArtifact(t, "synthetic:ctr?rows=3000&seed=4&max_vocab=50")
	l, err := Load(o.Artifact, 64)
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := l.Score(context.Background(), "test-short-rows:x", data.ReadOptions{SkipBad: true}, func([]float32, []float32, []int64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "record has 3 columns") {
		t.Fatalf("%d skipped, error %v; want the column count", skipped, err)
	}
}

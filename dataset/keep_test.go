package dataset

import (
	"context"
	"path/filepath"
	"testing"
)

// Fitting on a part of the records sees only that part's values, and a
// generated source builds its cache with no file behind it.
func TestFitKeepAndGeneratedSource(t *testing.T) {
	s := criteoSchema(t)
	const spec = "synthetic:ctr?rows=400&seed=5"
	all, err := Fit(context.Background(), spec, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	half, err := Fit(context.Background(), spec, s, Options{Keep: func(i int64) bool { seen = append(seen, i); return i%2 == 0 }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 400 || seen[0] != 0 || seen[399] != 399 {
		t.Fatalf("Keep saw %d ordinals, first %d", len(seen), seen[0])
	}
	if half.Rows() >= all.Rows() {
		t.Errorf("fitted on half the records: %d ids, on all: %d", half.Rows(), all.Rows())
	}
	d, rebuilt, err := Build(context.Background(), spec, half, filepath.Join(t.TempDir(), "c"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !rebuilt || d.Rows != 400 {
		t.Fatalf("rebuilt=%v rows=%d, want a fresh cache of 400 rows", rebuilt, d.Rows)
	}
}

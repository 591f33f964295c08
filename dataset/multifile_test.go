package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A source of several files (a glob) builds the same rows as their
// concatenation, and its cache goes stale when any file changes, the last
// one included.
func TestBuildGlobSource(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(t.TempDir(), "all.tsv")
	writeCTR(t, whole, 900)
	raw, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	// Split after the 500th line.
	cut := 0
	for n := 0; n < 500; cut++ {
		if raw[cut] == '\n' {
			n++
		}
	}
	parts := []string{filepath.Join(dir, "part_0.tsv"), filepath.Join(dir, "part_1.tsv")}
	os.WriteFile(parts[0], raw[:cut], 0o644)
	os.WriteFile(parts[1], raw[cut:], 0o644)

	enc, err := Fit(t.Context(), "criteo:"+whole, criteoSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	encGlob, err := Fit(t.Context(), "criteo:"+filepath.Join(dir, "part_*.tsv"), criteoSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := enc.MarshalJSON()
	b, _ := encGlob.MarshalJSON()
	if string(a) != string(b) {
		t.Fatal("the encoders fitted on the parts differ from those fitted on the whole file")
	}
	want, _, err := Build(t.Context(), "criteo:"+whole, enc, filepath.Join(dir, "whole.rfc"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	spec := "criteo:" + filepath.Join(dir, "part_*.tsv")
	cachePath := filepath.Join(dir, "parts.rfc")
	got, rebuilt, err := Build(t.Context(), spec, enc, cachePath, Options{})
	if err != nil || !rebuilt {
		t.Fatalf("first build: rebuilt %v, %v", rebuilt, err)
	}
	if got.Rows != 900 || !slices.Equal(got.IDs, want.IDs) || !slices.Equal(got.Label, want.Label) || !slices.Equal(got.rejected, want.rejected) {
		t.Errorf("the parts' cache (%d rows) differs from the whole file's (%d rows)", got.Rows, want.Rows)
	}
	got.Close()
	later := time.Now().Add(time.Minute)
	os.Chtimes(parts[1], later, later)
	d, rebuilt, err := Build(t.Context(), spec, enc, cachePath, Options{})
	if err != nil || !rebuilt {
		t.Fatalf("after the second file changed: rebuilt %v, %v; want a rebuild", rebuilt, err)
	}
	d.Close()
}

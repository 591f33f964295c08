package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/dataset"
)

// The fitted encoders kept in the cache directory are reused while the
// inputs hold — equal, in JSON, to a fresh fit, with no record read — and
// fitted anew when the file, the split or the schema changes; a damaged
// file is fitted over.
func TestFitCachedReusesAndRefits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "all.csv")
	tinyCSV(t, path, 300, func(int) int { return 0 }, []string{"tr"})
	spec, schema, cacheDir := "csv:"+path, tinySchema(), filepath.Join(dir, "cache")
	ctx := context.Background()
	fresh, err := dataset.Fit(ctx, spec, schema, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(fresh)
	var reports []dataset.Progress
	opts := dataset.Options{OnProgress: func(p dataset.Progress) { reports = append(reports, p) }}
	fit := func(split string) []byte {
		t.Helper()
		reports = nil
		enc, err := fitCached(ctx, cacheDir, spec, split, schema, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(enc)
		return b
	}
	if got := fit("all records"); string(got) != string(want) {
		t.Fatal("the first fit differs from dataset.Fit")
	}
	if len(reports) < 2 || reports[len(reports)-1].Reused {
		t.Errorf("the first fit read no records: %+v", reports)
	}
	if got := fit("all records"); string(got) != string(want) {
		t.Error("the reused encoders differ from a fresh fit")
	}
	if len(reports) != 1 || !reports[0].Reused || !reports[0].Done {
		t.Errorf("the second fit read the data: %+v", reports)
	}
	files, _ := ScanEncoders(cacheDir)
	if len(files) != 1 || files[0].Kind != cache.Complete {
		t.Fatalf("ScanEncoders found %+v, want one file", files)
	}

	// Another split is another fit; so is a modified file.
	fit("part 0 of [8 1 1], seed 1")
	if len(reports) == 1 {
		t.Error("another split reused the encoders")
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	fit("all records")
	if len(reports) == 1 {
		t.Error("a modified file reused the encoders")
	}

	// A damaged file is fitted over.
	files, _ = ScanEncoders(cacheDir)
	for _, f := range files {
		if err := os.WriteFile(f.Path, []byte("recforge fitted encoders v1\n{broken"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := fit("all records"); string(got) != string(want) || len(reports) == 1 {
		t.Error("a damaged encoder file was used")
	}

	// Cleaning removes every fitted-encoder file and leaves other files.
	other := filepath.Join(cacheDir, "notes.rfe")
	os.WriteFile(other, []byte("mine"), 0o644)
	removed, err := CleanEncoders(cacheDir)
	if err != nil || len(removed) != 3 {
		t.Errorf("CleanEncoders removed %d files (%v), want 3", len(removed), err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("CleanEncoders removed a file it did not write: %v", err)
	}
}

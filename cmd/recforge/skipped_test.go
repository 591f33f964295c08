package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// skippedCSV writes a CSV of 80 good rows and 2 malformed ones (a field
// short, a field too many) and a configuration with its schema.
func skippedCSV(t *testing.T, dir string) (spec, cfg string) {
	t.Helper()
	lines := []string{"click,color,size,price"}
	colors := []string{"red", "green", "blue"}
	for i := range 80 {
		lines = append(lines, fmt.Sprintf("%d,%s,%d,%d.5", i%3/2, colors[i%3], i%5, i%7))
		switch i {
		case 20:
			lines = append(lines, "1,red,3") // line 23: a field short
		case 50:
			lines = append(lines, "0,blue,2,1.5,extra") // line 54: a field too many
		}
	}
	path := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "events.yaml")
	schema := "schema:\n  fields:\n    - {name: click, type: label}\n    - {name: color, type: categorical}\n" +
		"    - {name: size, type: categorical}\n    - {name: price, type: numeric}\n"
	if err := os.WriteFile(cfg, []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	return "csv:" + path, cfg
}

// train --skip-bad reports the rows it skipped in its JSON line and the
// artifact's manifest, also when it reuses the encoded cache; data encode
// reports them on a reused cache too.
func TestSkippedRowsReported(t *testing.T) {
	dir := t.TempDir()
	spec, cfg := skippedCSV(t, dir)
	cache := filepath.Join(dir, "cache")
	var cacheTime time.Time
	for run := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("run%d", run))
		code, stdout, stderr := recforge(t, "train", "--model", "lr", "--data", spec, "--config", cfg, "--skip-bad",
			"--epochs", "1", "--batch", "16", "--cache-dir", cache, "--out", out, "--quiet")
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
		if got := lastJSON(t, stdout)["skipped_rows"]; got != 2.0 {
			t.Errorf("run %d: skipped_rows %v, want 2\n%s", run, got, stdout)
		}
		raw, err := os.ReadFile(filepath.Join(out, "model", "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var man struct {
			SkippedRows *int64 `json:"skipped_rows"`
		}
		if err := json.Unmarshal(raw, &man); err != nil || man.SkippedRows == nil || *man.SkippedRows != 2 {
			t.Errorf("run %d: manifest skipped_rows %v (%v), want 2", run, man.SkippedRows, err)
		}
		// The second run reuses the first one's cache.
		caches, _ := filepath.Glob(filepath.Join(cache, "*.rfc"))
		if len(caches) != 1 {
			t.Fatalf("run %d: caches %v, want one", run, caches)
		}
		st, err := os.Stat(caches[0])
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 && !st.ModTime().Equal(cacheTime) {
			t.Errorf("the second run rebuilt the cache")
		}
		cacheTime = st.ModTime()
	}
	for run := range 2 {
		code, stdout, stderr := recforge(t, "data", "encode", "--data", spec, "--config", cfg, "--skip-bad", "--cache-dir", filepath.Join(dir, "enc"))
		if code != 0 {
			t.Fatalf("encode %d: exit %d: %s", run, code, stderr)
		}
		if got := lastJSON(t, stdout)["skipped"]; got != 2.0 {
			t.Errorf("encode %d: skipped %v, want 2\n%s", run, got, stdout)
		}
		if !strings.Contains(stderr, "; 2 records skipped") {
			t.Errorf("encode %d: stderr %q does not say 2 records skipped", run, stderr)
		}
	}
	// Without a bad row the count is 0, in the JSON line and nowhere in
	// the manifest.
	out := filepath.Join(dir, "clean")
	code, stdout, stderr := recforge(t, "train", "--model", "lr", "--data", "synthetic:ctr?rows=500&seed=2", "--epochs", "1",
		"--cache-dir", cache, "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("clean run: exit %d: %s", code, stderr)
	}
	if got, ok := lastJSON(t, stdout)["skipped_rows"]; !ok || got != 0.0 {
		t.Errorf("clean run: skipped_rows %v (present %v), want 0", got, ok)
	}
	if raw, err := os.ReadFile(filepath.Join(out, "model", "manifest.json")); err != nil || strings.Contains(string(raw), "skipped_rows") {
		t.Errorf("clean run's manifest: %v\n%s", err, raw)
	}
}

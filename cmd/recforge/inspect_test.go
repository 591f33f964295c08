package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/pipeline"
)

// data inspect prints a configuration that is used as is: saved to a file,
// LoadConfig reads it (the guessed schema under schema:, a model, the
// training defaults) and train --config FILE --data SPEC trains with it.
// The report is kept, as comments.
func TestInspectPrintsAConfig(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"user,click,visits,price,color"}
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("u%d,%d,%d,%v,%s", i, i%3/2, i%17, float64(i%40)/4, []string{"red", "green", "blue", ""}[i%4]))
	}
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := "csv:" + csv
	code, stdout, stderr := recforge(t, "data", "inspect", spec)
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"# rows     300\n", "# label    click: 100 positive of 300", "\nschema:\n", "\nmodel:\n  name: lr\n", "\ntrain:\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect's output lacks %q:\n%s", want, stdout)
		}
	}
	cfgPath := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(cfgPath, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := pipeline.LoadConfig(cfgPath)
	if err != nil {
		t.Fatalf("the printed configuration does not load: %v\n%s", err, stdout)
	}
	if cfg.Model.Name != "lr" || cfg.Schema == nil || cfg.Train.Epochs != 10 {
		t.Fatalf("configuration %+v", cfg)
	}
	// The guess: click is the label, the identifier is left out.
	kinds := map[string]feature.Type{}
	for _, f := range cfg.Schema.Fields {
		col := f.Column
		if col == "" {
			col = f.Name
		}
		kinds[col] = f.Type
	}
	if _, hasUser := kinds["user"]; kinds["click"] != feature.Label || hasUser || len(kinds) != 4 {
		t.Fatalf("schema fields %v", kinds)
	}
	code, stdout, stderr = recforge(t, "train", "--config", cfgPath, "--data", spec, "--epochs", "1",
		"--out", filepath.Join(dir, "run"), "--cache-dir", filepath.Join(dir, "cache"), "--quiet")
	if code != 0 {
		t.Fatalf("train with the printed configuration: exit %d: %s", code, stderr)
	}
	if res := lastJSON(t, stdout); res["model"] != "lr" || res["epochs"] != 1.0 {
		t.Fatalf("train result %v", res)
	}
}

package pipeline

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Zoo trains each model once per seed on the same rows and ranks them by
// mean test AUC; each entry's statistics are those of its runs' reports;
// the files and the table show what the leaderboard holds.
func TestZooRanksAndWrites(t *testing.T) {
	const spec = "synthetic:ctr?rows=3000&seed=1&max_vocab=50"
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Train.Epochs, cfg.Train.Batch, cfg.Train.Seed = 2, 128, 5
	cfg.Train.Optimizer.LR = 0.01
	cfg.Model = ModelConfig{Name: "deepfm", Params: map[string]any{"hidden": []any{7}}} // replaced per model
	p := prepare(t, &cfg, Inputs{Data: spec, CacheDir: filepath.Join(dir, "cache"), SplitSeed: 1})

	type run struct {
		name string
		seed uint64
		auc  float64
	}
	var runs []run
	lb, err := Zoo(context.Background(), p, &cfg, spec, ZooOptions{
		Models: []string{"lr", "fm"}, Seeds: 2,
		Params: map[string][]byte{"fm": []byte(`{"embedding_dim": 4}`)},
		OnRun: func(name string, seed uint64, o *Outcome) {
			if o.Artifact != "" {
				t.Errorf("%s seed %d saved an artifact at %s", name, seed, o.Artifact)
			}
			runs = append(runs, run{name, seed, o.Report.Metrics["auc"]})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Train.Seed != 5 || cfg.Model.Name != "deepfm" {
		t.Errorf("Zoo changed the caller's configuration: seed %d model %q", cfg.Train.Seed, cfg.Model.Name)
	}
	wantRuns := []run{{"lr", 5, 0}, {"lr", 6, 0}, {"fm", 5, 0}, {"fm", 6, 0}}
	if len(runs) != len(wantRuns) {
		t.Fatalf("runs %v", runs)
	}
	for i, r := range runs {
		if r.name != wantRuns[i].name || r.seed != wantRuns[i].seed {
			t.Errorf("run %d: %s seed %d, want %s seed %d", i, r.name, r.seed, wantRuns[i].name, wantRuns[i].seed)
		}
	}

	if lb.Metric != "auc" || lb.Data != spec || lb.Protocol != p.Protocol || lb.Split != p.Split || len(lb.Entries) != 2 {
		t.Fatalf("leaderboard %+v", lb)
	}
	for i, e := range lb.Entries {
		var aucs []float64
		for _, r := range runs {
			if r.name == e.Model {
				aucs = append(aucs, r.auc)
			}
		}
		if len(aucs) != 2 || e.Runs != 2 {
			t.Fatalf("entry %s: runs %d, %d reported", e.Model, e.Runs, len(aucs))
		}
		mean, std := (aucs[0]+aucs[1])/2, math.Abs(aucs[0]-aucs[1])/math.Sqrt2
		if s := e.Metrics["auc"]; math.Abs(s.Mean-mean) > 1e-12 || math.Abs(s.Std-std) > 1e-12 {
			t.Errorf("%s auc %+v, want mean %g std %g of its runs %v", e.Model, s, mean, std, aucs)
		}
		for _, k := range []string{"auc", "logloss", "accuracy"} {
			s, ok := e.Metrics[k]
			if !ok || !(s.Std >= 0) || math.IsNaN(s.Mean) {
				t.Errorf("%s %s: %+v (present %v)", e.Model, k, s, ok)
			}
		}
		if !(e.RowsPerSec.Mean > 0) || !(e.RowsPerSec.Std >= 0) || !(e.Seconds.Mean > 0) {
			t.Errorf("%s speed %+v seconds %+v", e.Model, e.RowsPerSec, e.Seconds)
		}
		if i > 0 && lb.Entries[i-1].Metrics["auc"].Mean < e.Metrics["auc"].Mean {
			t.Errorf("entries not by descending auc: %s %v before %s %v", lb.Entries[i-1].Model, lb.Entries[i-1].Metrics["auc"].Mean, e.Model, e.Metrics["auc"].Mean)
		}
	}
	models := []string{lb.Entries[0].Model, lb.Entries[1].Model}
	if !slices.Contains(models, "lr") || !slices.Contains(models, "fm") {
		t.Fatalf("entries %v", models)
	}
	lb.References = []Reference{{Name: "oracle", Metric: "auc", Value: 0.875}, {Name: "floor", Metric: "logloss", Value: 0.5}}

	out := filepath.Join(dir, "board")
	if err := lb.WriteFiles(out); err != nil {
		t.Fatal(err)
	}
	if got := names(t, out); !slices.Equal(got, []string{"leaderboard.csv", "leaderboard.json", "leaderboard.svg"}) {
		t.Errorf("board directory holds %v", got)
	}

	f, err := os.Open(filepath.Join(out, "leaderboard.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("leaderboard.csv has %d records, want a header and 2 rows", len(rows))
	}
	head := rows[0]
	if head[0] != "model" || head[1] != "runs" || head[2] != "auc_mean" || head[3] != "auc_std" || head[len(head)-1] != "train_rows_per_sec" {
		t.Errorf("csv header %v", head)
	}
	for i, row := range rows[1:] {
		e := lb.Entries[i]
		if len(row) != len(head) || row[0] != e.Model || row[1] != "2" {
			t.Errorf("csv row %v for entry %s", row, e.Model)
			continue
		}
		for j, col := range head[2 : len(head)-1] {
			cut := strings.LastIndex(col, "_")
			metric, stat := col[:cut], col[cut+1:]
			want := e.Metrics[metric].Mean
			if stat == "std" {
				want = e.Metrics[metric].Std
			}
			got, err := strconv.ParseFloat(row[2+j], 64)
			if err != nil || math.Abs(got-want) > 1e-7*math.Max(1, math.Abs(want)) {
				t.Errorf("%s %s = %q, want %g", e.Model, col, row[2+j], want)
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join(out, "leaderboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Leaderboard
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, lb) {
		t.Errorf("leaderboard.json decodes to\n%+v\nwant\n%+v", back, *lb)
	}

	svg, err := os.ReadFile(filepath.Join(out, "leaderboard.svg"))
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("leaderboard.svg is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("leaderboard.svg root element %q", root)
	}
	for _, m := range models {
		if !bytes.Contains(svg, []byte(m)) {
			t.Errorf("leaderboard.svg does not name %s", m)
		}
	}
	if !bytes.Contains(svg, []byte(">recforge zoo: ")) { // the default title
		t.Error("leaderboard.svg lacks the title \"recforge zoo: …\"")
	}

	var tab bytes.Buffer
	if err := lb.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	text := tab.String()
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != 1+2+2 || !strings.Contains(lines[0], "model") || !strings.Contains(lines[0], "auc") || !strings.Contains(lines[0], "logloss") {
		t.Fatalf("table:\n%s", text)
	}
	for i, e := range lb.Entries {
		l := lines[1+i]
		if f := strings.Fields(l); len(f) == 0 || f[0] != e.Model || !strings.Contains(l, "±") {
			t.Errorf("table line %q for entry %s (two runs: mean ± std)", l, e.Model)
		}
		if !strings.Contains(l, strconv.FormatFloat(e.Metrics["auc"].Mean, 'f', 4, 64)) {
			t.Errorf("table line %q lacks the mean auc %.4f", l, e.Metrics["auc"].Mean)
		}
	}
	if !strings.Contains(lines[3], "oracle") || !strings.Contains(lines[3], "0.8750") || !strings.Contains(lines[4], "floor") || !strings.Contains(lines[4], "0.5000") {
		t.Errorf("reference lines %q, %q", lines[3], lines[4])
	}
}

// Zoo refuses no models, an unknown model and unreadable parameters,
// naming what is wrong.
func TestZooErrors(t *testing.T) {
	const spec = "synthetic:ctr?rows=1000&seed=2&max_vocab=10"
	cfg := DefaultConfig()
	cfg.Train.Epochs, cfg.Train.Batch = 1, 256
	p := prepare(t, &cfg, Inputs{Data: spec, CacheDir: filepath.Join(t.TempDir(), "cache"), SplitSeed: 1})
	for _, c := range []struct {
		opt  ZooOptions
		want string
	}{
		{ZooOptions{}, "no models"},
		{ZooOptions{Models: []string{"lr", "nosuch"}}, "nosuch"},
		{ZooOptions{Models: []string{"lr"}, Params: map[string][]byte{"lr": []byte("{l2")}}, "lr params"},
		{ZooOptions{Models: []string{"lr"}, Params: map[string][]byte{"lr": []byte(`{"colour": 1}`)}}, "colour"},
	} {
		lb, err := Zoo(context.Background(), p, &cfg, spec, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) || lb != nil {
			t.Errorf("%+v: %v, want an error mentioning %q", c.opt, err, c.want)
		}
	}
}

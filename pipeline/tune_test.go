package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
	"github.com/recforge/recforge/tune"
)

const tuneSpec = "synthetic:ctr?rows=3000&seed=1&max_vocab=50"

// tuneConfig is a small FM run: 9 epochs at most, batch 128.
func tuneConfig() Config {
	cfg := DefaultConfig()
	cfg.Model.Name = "fm"
	cfg.Train.Epochs, cfg.Train.Batch, cfg.Train.Seed = 9, 128, 3
	return cfg
}

// readTrials reads a trials.jsonl file.
func readTrials(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v in %s", path, err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// A search of 9 configurations with η 3 over 9 epochs runs rungs of 9 × 1
// epoch and 3 × 3 epochs, keeping the best third of each by validation
// AUC, then trains the chosen one for 9 epochs: trials.jsonl holds those
// 13 lines. The same seed writes the same files byte for byte; another
// seed draws other configurations. tuned.yaml, trained as `recforge train
// --config` would (the data prepared afresh from it), gives the final
// training's validation and test metrics exactly.
func TestTuneRungsFilesAndReproduction(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	cfg := tuneConfig()
	p := prepare(t, &cfg, Inputs{Data: tuneSpec, CacheDir: cache, SplitSeed: cfg.Train.Seed})
	var seen []TrialRecord
	var rungs []tune.Rung
	opt := TuneOptions{Trials: 9, Seed: 11,
		OnRecord: func(r TrialRecord) { seen = append(seen, r) },
		OnRung:   func(r tune.Rung, _ []TrialRecord) { rungs = append(rungs, r) }}
	out := filepath.Join(dir, "a")
	tuned, err := Tune(context.Background(), p, &cfg, tuneSpec, opt, RunOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if want := []tune.Rung{{Index: 0, Size: 9, Keep: 3, Epochs: 1}, {Index: 1, Size: 3, Keep: 1, Epochs: 3}}; !slices.Equal(rungs, want) {
		t.Errorf("rungs %v, want %v", rungs, want)
	}
	if len(seen) != 12 {
		t.Errorf("%d records reported, want 12", len(seen))
	}
	lines := readTrials(t, filepath.Join(out, TrialsFile))
	if len(lines) != 13 {
		t.Fatalf("%d lines in trials.jsonl, want 9 + 3 + the final training", len(lines))
	}
	// Each rung keeps its best by value, read back from the file.
	for r, keep := range map[int]int{0: 3, 1: 1} {
		var vals []float64
		kept := 0
		for _, l := range lines {
			if l["rung"].(float64) == float64(r) {
				vals = append(vals, l["value"].(float64))
			}
		}
		slices.Sort(vals)
		cut := vals[len(vals)-keep]
		for _, l := range lines {
			if l["rung"].(float64) != float64(r) {
				continue
			}
			if l["kept"].(bool) {
				kept++
				if l["value"].(float64) < cut {
					t.Errorf("rung %d kept trial %v at %v, below the best %d (≥ %v)", r, l["trial"], l["value"], keep, cut)
				}
			}
			if l["epochs"].(float64) != float64([]int{1, 3}[r]) || l["metric"] != "auc" {
				t.Errorf("rung %d: line %v", r, l)
			}
		}
		if kept != keep {
			t.Errorf("rung %d kept %d, want %d", r, kept, keep)
		}
	}
	final := lines[12]
	if final["final"] != true || final["epochs"].(float64) != 9 || final["rung"].(float64) != 2 || int(final["trial"].(float64)) != tuned.Chosen.ID {
		t.Errorf("final line %v, want the chosen trial %d trained 9 epochs", final, tuned.Chosen.ID)
	}
	// Trial 0 is the configuration as given: FM's defaults and Adam 1e-3.
	if l := lines[0]; l["trial"].(float64) != 0 || l["train"].(map[string]any)["lr"].(float64) != 1e-3 || l["params"].(map[string]any)["l2_v"].(float64) != 0 {
		t.Errorf("trial 0 %v, want the defaults", l)
	}
	o := tuned.Outcome
	if o == nil || o.Tuned == nil || o.Tuned.Config != filepath.Join(out, TunedFile) || o.Tuned.Trials != 9 || o.Tuned.Rungs != 2 || o.Tuned.Budget != 9 ||
		o.Tuned.TrialEpochs != 9*1+3*3 || o.Artifact == "" || o.Epochs < 1 || o.Epochs > 9 {
		t.Fatalf("outcome %+v, summary %+v", o, o.Tuned)
	}
	if final["value"].(float64) != o.Result.Valid["auc"] {
		t.Errorf("final line's value %v, the training's validation AUC %v", final["value"], o.Result.Valid["auc"])
	}
	for _, f := range []string{TrialsChart, ArtifactDir, LogFile, CurveFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if svg, _ := os.ReadFile(filepath.Join(out, TrialsChart)); !bytes.Contains(svg, []byte("chosen (trial")) || !bytes.Contains(svg, []byte("dropped at rung 0 (1 epoch)")) {
		t.Errorf("trials.svg lacks its legend")
	}

	// The same seed: the same files.
	again := filepath.Join(dir, "b")
	if _, err := Tune(context.Background(), p, &cfg, tuneSpec, TuneOptions{Trials: 9, Seed: 11}, RunOptions{Out: again}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{TrialsFile, TunedFile} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(again, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two searches with seed 11:\n%s\n%s", f, a, b)
		}
	}
	// Another seed draws other configurations (trial 0 aside).
	other, err := Search(context.Background(), p, &cfg, tuneSpec, TuneOptions{Trials: 9, Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for i := 1; i < 9; i++ {
		a := tuned.Records[i]
		b := other.Records[i]
		if a.Trial != i || b.Trial != i {
			t.Fatalf("records out of trial order")
		}
		ja, _ := json.Marshal([2]any{a.Params, a.Train})
		jb, _ := json.Marshal([2]any{b.Params, b.Train})
		if !bytes.Equal(ja, jb) {
			differ++
		}
	}
	if differ < 6 {
		t.Errorf("seeds 11 and 12 drew %d different configurations of 8", differ)
	}

	// tuned.yaml reproduces the final training: prepared afresh from the
	// file, as recforge train --config tuned.yaml --data SPEC does.
	loaded, err := LoadConfig(filepath.Join(out, TunedFile))
	if err != nil {
		t.Fatal(err)
	}
	// The parameters are numbers to any YAML reader: 0.00001, not 1e-05
	// (a string to YAML 1.1).
	raw, _ := os.ReadFile(filepath.Join(out, TunedFile))
	var doc struct {
		Model struct{ Params map[string]any } `yaml:"model"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil || len(doc.Model.Params) == 0 {
		t.Fatalf("tuned.yaml: %v %v", doc, err)
	}
	for k, v := range doc.Model.Params {
		if _, isString := v.(string); isString {
			t.Errorf("tuned.yaml: %s = %q, a string", k, v)
		}
	}
	c := loaded.ForModel(loaded.Model.Name)
	if c.Model.Name != "fm" || c.Train.Epochs != 9 || c.Train.Seed != 3 {
		t.Fatalf("tuned.yaml: %+v", c)
	}
	q := prepare(t, &c, Inputs{Data: tuneSpec, CacheDir: cache, SplitSeed: c.Train.Seed})
	ro, err := TrainModel(context.Background(), q, &c, tuneSpec, RunOptions{Out: filepath.Join(dir, "c")})
	if err != nil {
		t.Fatal(err)
	}
	if ro.Result.Valid["auc"] != o.Result.Valid["auc"] || ro.Report.Metrics["auc"] != o.Report.Metrics["auc"] || ro.Epochs != o.Epochs {
		t.Errorf("tuned.yaml trained: valid %v test %v over %d epochs; the search's final training: valid %v test %v over %d",
			ro.Result.Valid["auc"], ro.Report.Metrics["auc"], ro.Epochs, o.Result.Valid["auc"], o.Report.Metrics["auc"], o.Epochs)
	}
	// A second search into the same directory needs --overwrite; a plain
	// run that overwrites a search leaves none of its files.
	if _, err := Tune(context.Background(), p, &cfg, tuneSpec, opt, RunOptions{Out: out}); err == nil || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("a search over an earlier run: %v", err)
	}
	if _, err := TrainModel(context.Background(), p, &c, tuneSpec, RunOptions{Out: out, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{TrialsFile, TrialsChart, TunedFile} {
		if _, err := os.Stat(filepath.Join(out, f)); !os.IsNotExist(err) {
			t.Errorf("%s after a plain run with --overwrite: %v", f, err)
		}
	}
}

// countingEvaluator counts its evaluations and passes them on.
type countingEvaluator struct {
	train.Evaluator
	n *int
}

func (c countingEvaluator) Evaluate(ctx context.Context, m model.Model, task train.Task) (*metric.Report, error) {
	*c.n++
	return c.Evaluator.Evaluate(ctx, m, task)
}

func (c countingEvaluator) EvaluateWith(ctx context.Context, s *train.Scorer, task train.Task) (*metric.Report, error) {
	*c.n++
	return s.Evaluate(ctx, c.Evaluator, task)
}

// The trials never score the test part: a search over a Prepared whose
// test evaluator counts its calls makes none, and the final training of
// Tune makes exactly one.
func TestTuneNeverScoresTheTestPart(t *testing.T) {
	cfg := tuneConfig()
	cfg.Train.Epochs = 3
	p := prepare(t, &cfg, Inputs{Data: tuneSpec, CacheDir: t.TempDir(), SplitSeed: 1})
	calls := 0
	q := *p
	q.sets = nil // closed with p
	q.Examples = p.Train.Source()
	q.ValidEval = train.NewHoldout(p.Valid, cfg.Train.Batch, p.Grouped)
	q.TestEval = countingEvaluator{Evaluator: train.Holdout{Data: p.Test, Batch: cfg.Train.Batch}, n: &calls}
	if _, err := Search(context.Background(), &q, &cfg, tuneSpec, TuneOptions{Trials: 6}); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Fatalf("the search scored the test part %d times", calls)
	}
	if _, err := Tune(context.Background(), &q, &cfg, tuneSpec, TuneOptions{Trials: 6}, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("Tune scored the test part %d times, want once, after the search", calls)
	}
}

// Two searches on the same training and validation files with different
// test files (other rows, from another generator seed) write the same
// trials and choose the same configuration; only the test metrics differ.
func TestTuneIgnoresTheTestFile(t *testing.T) {
	cache := t.TempDir()
	trainSpec := "synthetic:ctr?rows=2400&seed=1&max_vocab=50"
	validSpec := "synthetic:ctr?rows=300&seed=2&max_vocab=50"
	var files [2][]byte
	var aucs [2]float64
	for i, test := range []string{"synthetic:ctr?rows=300&seed=3&max_vocab=50", "synthetic:ctr?rows=500&seed=4&max_vocab=50"} {
		cfg := tuneConfig()
		cfg.Train.Epochs = 3
		p := prepare(t, &cfg, Inputs{Data: trainSpec, Valid: validSpec, Test: test, CacheDir: cache, SplitSeed: 1})
		out := filepath.Join(t.TempDir(), "run")
		tuned, err := Tune(context.Background(), p, &cfg, trainSpec, TuneOptions{Trials: 6, Seed: 2}, RunOptions{Out: out})
		if err != nil {
			t.Fatal(err)
		}
		trials, _ := os.ReadFile(filepath.Join(out, TrialsFile))
		yaml, _ := os.ReadFile(filepath.Join(out, TunedFile))
		files[i] = append(trials, yaml...)
		aucs[i] = tuned.Outcome.Report.Metrics["auc"]
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("the test file changed the search:\n%s\n%s", files[0], files[1])
	}
	if aucs[0] == aucs[1] {
		t.Errorf("both test files score AUC %v: the test parts are not different", aucs[0])
	}
}

// The zoo searches each model first and trains the configuration chosen
// over its seeds: the first seed's run is the chosen configuration's
// training, and each entry reports the choice.
func TestZooTunes(t *testing.T) {
	cfg := tuneConfig()
	cfg.Train.Epochs = 3
	p := prepare(t, &cfg, Inputs{Data: tuneSpec, CacheDir: t.TempDir(), SplitSeed: 1})
	searches := map[string]*Tuned{}
	valid := map[string]float64{}
	lb, err := Zoo(context.Background(), p, &cfg, tuneSpec, ZooOptions{
		Models: []string{"lr", "fm"}, Seeds: 2, Tune: &TuneOptions{Trials: 4, Seed: 1},
		OnTuned: func(name string, tu *Tuned) error { searches[name] = tu; return nil },
		OnRun: func(name string, seed uint64, o *Outcome) {
			if seed == cfg.Train.Seed {
				valid[name] = o.Result.Valid["auc"]
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lb.Entries {
		tu := searches[e.Model]
		if tu == nil || e.Tuned == nil || e.Tuned.Trial != tu.Chosen.ID || e.Tuned.Trials != 4 || e.Tuned.Rungs != 1 {
			t.Fatalf("%s: entry %+v, search %+v", e.Model, e.Tuned, tu)
		}
		c := tu.Config
		if c.Train.Epochs != 3 || c.Model.Name != e.Model {
			t.Errorf("%s: chosen configuration %+v", e.Model, c)
		}
		o, err := TrainModel(context.Background(), p, &c, tuneSpec, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if o.Result.Valid["auc"] != valid[e.Model] {
			t.Errorf("%s: the zoo's first seed validated at %v, the chosen configuration at %v", e.Model, valid[e.Model], o.Result.Valid["auc"])
		}
	}
	if cfg.Train.Epochs != 3 || cfg.Model.Name != "fm" || cfg.Model.Params != nil {
		t.Errorf("Zoo changed the caller's configuration: %+v", cfg.Model)
	}
}

// Bad searches are errors that say what is wrong.
func TestTuneErrors(t *testing.T) {
	cfg := tuneConfig()
	cfg.Train.Epochs = 2
	p := prepare(t, &cfg, Inputs{Data: tuneSpec, CacheDir: t.TempDir(), SplitSeed: 1})
	ctx := context.Background()
	for _, c := range []struct {
		model string
		opt   TuneOptions
		run   RunOptions
		want  string
	}{
		{"nope", TuneOptions{}, RunOptions{}, `unknown model "nope"`},
		{"fm", TuneOptions{Space: tune.Space{}}, RunOptions{}, "empty"},
		{"fm", TuneOptions{Space: tune.Space{tune.OneOf("dropout", 0.1, 0.2)}}, RunOptions{}, `no hyper-parameter "dropout"`},
		{"fm", TuneOptions{Trials: 1}, RunOptions{}, "1 trials, want 2 to 10000"},
		{"fm", TuneOptions{Eta: 1}, RunOptions{}, "halving factor 1"},
		{"fm", TuneOptions{MinEpochs: 3}, RunOptions{}, "budget of 2 epochs, want ≥ 3"},
		{"fm", TuneOptions{Space: tune.Space{tune.OneOf("embedding_dim", 0)}}, RunOptions{}, "holds 1 distinct configuration"},
		{"itempop", TuneOptions{}, RunOptions{}, "no hyper-parameters to tune"},
		{"fm", TuneOptions{}, RunOptions{Resume: true, Out: t.TempDir()}, "cannot be resumed"},
	} {
		cc := cfg
		cc.Model.Name = c.model
		_, err := Tune(ctx, p, &cc, tuneSpec, c.opt, c.run)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: %v, want %q", c.model, c.opt, err, c.want)
		}
	}
	if _, err := TrainModel(ctx, p, &cfg, tuneSpec, RunOptions{NoTest: true, Out: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "writes no output directory") {
		t.Errorf("NoTest with Out: %v", err)
	}
	// A NaN value is written as null.
	b, err := json.Marshal(TrialRecord{Value: math.NaN(), Error: "diverged"})
	if err != nil || !bytes.Contains(b, []byte(`"value":null`)) || bytes.Count(b, []byte(`"value"`)) != 1 {
		t.Errorf("%s, %v", b, err)
	}
}

// tuned.yaml writes every float of the parameters in decimal notation, so
// that a YAML reader without recforge's number rule reads numbers, and
// the file loads back to the same values.
func TestTunedYAMLWritesDecimals(t *testing.T) {
	tu := &Tuned{Model: "fm", Metric: "auc", Options: TuneOptions{Eta: 3, Budget: 4}, Data: "x",
		Config: Config{Model: ModelConfig{Name: "fm", Params: map[string]any{"l2_v": 1e-5, "init_std": 1e-6, "embedding_dim": 8}}, Train: train.DefaultConfig()}}
	tu.Config.Train.Optimizer.LR = 3.16e-5
	var b bytes.Buffer
	if err := tu.writeConfig(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"    l2_v: 0.00001\n", "    init_std: 0.000001\n", "    embedding_dim: 8\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	path := filepath.Join(t.TempDir(), TunedFile)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	params, _ := c.Model.params()
	if string(params) != `{"embedding_dim":8,"init_std":0.000001,"l2_v":0.00001}` || c.Train.Optimizer.LR != 3.16e-5 {
		t.Errorf("loaded back %s, lr %v", params, c.Train.Optimizer.LR)
	}
}

package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// trainedArtifact trains lr for two epochs on a small synthetic set,
// saving the run in a fresh directory.
func trainedArtifact(t *testing.T, spec string) (*Prepared, *Outcome) {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Model = ModelConfig{Name: "lr"}
	cfg.Train.Epochs, cfg.Train.Batch = 2, 128
	cfg.Train.Optimizer.LR = 0.02
	p := prepare(t, &cfg, Inputs{Data: spec, CacheDir: filepath.Join(dir, "cache"), SplitSeed: 1})
	o, err := TrainModel(context.Background(), p, &cfg, spec, RunOptions{Out: filepath.Join(dir, "run")})
	if err != nil {
		t.Fatal(err)
	}
	return p, o
}

// The artifact TrainModel saves loads back, and Loaded.Score, streaming
// the raw records through the saved encoders, gives on the test rows
// bit for bit the scores train.Predict gives on the cached test view,
// with the view's labels; the metrics of those scores are the ones the
// training run reported.
func TestLoadScoresLikePredict(t *testing.T) {
	const spec = "synthetic:ctr?rows=3000&seed=4&max_vocab=50"
	p, o := trainedArtifact(t, spec)
	run := filepath.Dir(o.Artifact)
	if o.Artifact != filepath.Join(run, ArtifactDir) || o.Model != "lr" || o.Epochs != 2 {
		t.Fatalf("outcome %+v", o)
	}
	if log, err := os.ReadFile(filepath.Join(run, LogFile)); err != nil || strings.Count(string(log), "\n") != 2 {
		t.Errorf("training log %q, %v; want one line per epoch", log, err)
	}
	for _, f := range []string{CheckpointFile, CurveFile} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Errorf("run lacks %s: %v", f, err)
		}
	}

	const batch = 100 // not a divisor of the row count: a partial last batch
	l, err := Load(o.Artifact, batch)
	if err != nil {
		t.Fatal(err)
	}
	if l.Task != train.Binary || l.Manifest.Model != "lr" || l.Batch != batch || l.Manifest.DataFingerprint != p.Fingerprint {
		t.Errorf("loaded task %q model %q batch %d fingerprint %q", l.Task, l.Manifest.Model, l.Batch, l.Manifest.DataFingerprint)
	}

	var scores, labels []float32
	skipped, err := l.Score(context.Background(), spec, data.ReadOptions{}, func(s, y []float32, _ []int64) error {
		if len(s) > batch || len(s) != len(y) {
			t.Errorf("a batch of %d scores and %d labels", len(s), len(y))
		}
		scores, labels = append(scores, s...), append(labels, y...)
		return nil
	})
	if err != nil || skipped != 0 {
		t.Fatalf("score: %v (skipped %d)", err, skipped)
	}
	if len(scores) != p.Train.Set.Rows {
		t.Fatalf("%d scores for %d records", len(scores), p.Train.Set.Rows)
	}
	want, err := train.Predict(context.Background(), l.Model, p.Test, l.Task, batch)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := p.Test.Labels()
	var testScores, testLabels []float32
	for i, r := range p.Test.Rows {
		got := scores[r]
		if math.Float32bits(got) != math.Float32bits(want[i]) || labels[r] != wantLabels[i] {
			t.Fatalf("test row %d: Score %v (label %v), Predict %v (label %v)", r, got, labels[r], want[i], wantLabels[i])
		}
		testScores, testLabels = append(testScores, got), append(testLabels, labels[r])
	}
	rep, err := train.Metrics(l.Task, testScores, testLabels, nil, p.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range o.Report.Metrics {
		if rep.Metrics[k] != v {
			t.Errorf("%s of the loaded model's test scores %v, training reported %v", k, rep.Metrics[k], v)
		}
	}

	// emit's error stops scoring and comes back.
	stop := os.ErrClosed
	if _, err := l.Score(context.Background(), spec, data.ReadOptions{}, func([]float32, []float32, []int64) error { return stop }); err != stop {
		t.Errorf("emit's error: got %v", err)
	}
}

// An artifact whose manifest names a task other than binary or regression
// does not load; nor does a missing artifact.
func TestLoadRejectsBogusTask(t *testing.T) {
	_, o := trainedArtifact(t, "synthetic:ctr?rows=2000&seed=5&max_vocab=20")
	path := filepath.Join(o.Artifact, artifact.ManifestFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m["task"] != "binary" {
		t.Fatalf("manifest task %v, want binary", m["task"])
	}
	m["task"] = "bogus"
	raw, _ = json.Marshal(m)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if l, err := Load(o.Artifact, 64); err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("bogus task: loaded %v, error %v", l != nil, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nothing"), 64); err == nil {
		t.Error("a missing artifact loaded")
	}
}

// nanAt is a model whose score of one row of one batch is NaN (as an input
// overflowing the model's arithmetic makes it).
type nanAt struct {
	model.Model
	batch, row, calls int
}

func (m *nanAt) Forward(b *model.Batch) []float32 {
	out := m.Model.Forward(b)
	if m.calls++; m.calls == m.batch+1 {
		out[m.row] = float32(math.NaN())
	}
	return out
}

// Score never hands a NaN on: it fails at the record the model scored
// NaN, named by file and line, with or without SkipBad, and emits none of
// that batch.
func TestScoreRefusesNonFiniteScores(t *testing.T) {
	const spec = "synthetic:ctr?rows=3000&seed=4&max_vocab=50"
	_, o := trainedArtifact(t, spec)
	// The record the model will score NaN: batch 2 (of 100 rows), row 3.
	r, err := data.Open(spec, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rec data.Record
	for range 2*100 + 3 + 1 {
		if err := r.Next(&rec); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	want := fmt.Sprintf("%s:%d: the model scores this record NaN", rec.File, rec.Line)
	for _, skip := range []bool{false, true} {
		l, err := Load(o.Artifact, 100)
		if err != nil {
			t.Fatal(err)
		}
		l.Model = &nanAt{Model: l.Model, batch: 2, row: 3}
		emitted := 0
		_, err = l.Score(t.Context(), spec, data.ReadOptions{SkipBad: skip}, func(s, _ []float32, _ []int64) error {
			for _, x := range s {
				if math.IsNaN(float64(x)) {
					t.Errorf("skip %v: a NaN score emitted", skip)
				}
			}
			emitted += len(s)
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), want) || emitted != 200 {
			t.Errorf("skip %v: %d scores emitted, error %v; want 200 and %q", skip, emitted, err, want)
		}
	}
}

package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	_ "github.com/recforge/recforge/synth" // the synthetic reader
)

// fixture is a small synthetic CTR set split 8:1:1.
type fixture struct {
	enc                *feature.Encoders
	set                *dataset.Dataset
	train, valid, test Data
}

func newFixture(t *testing.T, rows int) *fixture {
	t.Helper()
	s, err := feature.LoadSchema("../feature/testdata/criteo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec := "synthetic:ctr?rows=" + itoa(rows) + "&seed=4"
	split, _ := data.NewHashSplit([]float64{8, 1, 1}, 1)
	enc, err := dataset.Fit(context.Background(), spec, s, dataset.Options{Keep: func(i int64) bool { return split.Part(i) == 0 }})
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := dataset.Build(context.Background(), spec, enc, filepath.Join(t.TempDir(), "cache"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	f := &fixture{enc: enc, set: set}
	parts := []*Data{&f.train, &f.valid, &f.test}
	for _, p := range parts {
		p.Set = set
		p.Rows = []int32{}
	}
	for i := range set.Rows {
		p := parts[split.Part(int64(i))]
		p.Rows = append(p.Rows, int32(i))
	}
	return f
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (f *fixture) model(t *testing.T, name string, batch int, seed uint64) model.Model {
	t.Helper()
	m, _, err := model.New(name, nil, model.Env{Layout: model.NewLayout(f.enc), MaxBatch: batch, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// weights returns a copy of every weight of m.
func weights(m model.Model) []float32 {
	var w []float32
	for _, p := range model.Params(m) {
		w = append(w, p.W...)
	}
	for _, tb := range model.Tables(m) {
		for r := range tb.Rows {
			w = append(w, tb.Data[r*tb.Stride:r*tb.Stride+tb.Dim]...)
		}
	}
	return w
}

func testConfig() Config {
	c := DefaultConfig()
	c.Batch = 128
	c.Epochs = 3
	c.Optimizer.LR = 0.02
	c.EarlyStop.Patience = 0
	c.Plateau.Factor = 0
	return c
}

func TestFitLearnsAndIsDeterministic(t *testing.T) {
	f := newFixture(t, 4000)
	cfg := testConfig()
	m1 := f.model(t, "lr", cfg.Batch, 1)
	res, err := Fit(context.Background(), m1, f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Task != Binary || len(res.Epochs) != 3 || res.Stop != "epochs" || !(res.RowsPerSec > 0) {
		t.Fatalf("result %+v", res)
	}
	if l0, l2 := res.Epochs[0].TrainLoss, res.Epochs[2].TrainLoss; !(l2 < l0) {
		t.Errorf("training loss did not fall: %v then %v", l0, l2)
	}
	rep, _, err := Evaluate(context.Background(), m1, f.test, Binary, cfg.Batch, false, "holdout")
	if err != nil {
		t.Fatal(err)
	}
	if auc := rep.Metrics["auc"]; !(auc > 0.6) {
		t.Errorf("test AUC %.3f, want > 0.6 (the first-order signal is strong)", auc)
	}
	m2 := f.model(t, "lr", cfg.Batch, 1)
	if _, err := Fit(context.Background(), m2, f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(m1), weights(m2)) {
		t.Error("two runs with one seed trained different weights")
	}
}

// A run killed mid-epoch and resumed from its checkpoint ends with the
// weights of an uninterrupted run, bit for bit.
func TestResumeFromCheckpointIsExact(t *testing.T) {
	f := newFixture(t, 3000)
	cfg := testConfig()
	cfg.EarlyStop.Patience = 5
	cfg.Plateau = Plateau{Factor: 0.5, Patience: 1}
	whole := f.model(t, "lr", cfg.Batch, 2)
	want, err := Fit(context.Background(), whole, f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	killed := f.model(t, "lr", cfg.Batch, 2)
	_, err = Fit(ctx, killed, f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg, Options{Checkpoint: ckpt, Fingerprint: "x", OnBatch: func(p Progress) {
		if p.Epoch == 2 {
			if batches++; batches == 3 {
				cancel()
			}
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run returned %v", err)
	}
	if _, err := Fit(context.Background(), f.model(t, "lr", cfg.Batch, 2), f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg,
		Options{Checkpoint: ckpt, Fingerprint: "other", Resume: true}); err == nil {
		t.Error("a checkpoint of another fingerprint was accepted")
	}
	resumed := f.model(t, "lr", cfg.Batch, 2)
	got, err := Fit(context.Background(), resumed, f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg, Options{Checkpoint: ckpt, Fingerprint: "x", Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Resumed != 1 || len(got.Epochs) != len(want.Epochs) || got.BestEpoch != want.BestEpoch {
		t.Fatalf("resumed %d epochs, history %d (want %d), best %d (want %d)", got.Resumed, len(got.Epochs), len(want.Epochs), got.BestEpoch, want.BestEpoch)
	}
	for i := range want.Epochs {
		if got.Epochs[i].TrainLoss != want.Epochs[i].TrainLoss || got.Epochs[i].LR != want.Epochs[i].LR {
			t.Errorf("epoch %d: loss %v lr %v, uninterrupted %v %v", i+1, got.Epochs[i].TrainLoss, got.Epochs[i].LR, want.Epochs[i].TrainLoss, want.Epochs[i].LR)
		}
	}
	if !slices.Equal(weights(resumed), weights(whole)) {
		t.Error("the resumed run's weights differ from the uninterrupted run's")
	}
}

// With an improvement threshold no epoch can meet, the first epoch stays
// best: the plateau halves the rate after each later epoch, early stopping
// fires after Patience of them, and the model ends with epoch 1's weights.
func TestEarlyStopPlateauAndBestWeights(t *testing.T) {
	f := newFixture(t, 2000)
	cfg := testConfig()
	cfg.Epochs = 10
	cfg.EarlyStop = EarlyStop{Patience: 2, MinDelta: 1}
	cfg.Plateau = Plateau{Factor: 0.5, Patience: 1}
	m := f.model(t, "lr", cfg.Batch, 3)
	res, err := Fit(context.Background(), m, f.train.Source(), NewHoldout(f.valid, cfg.Batch, false), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != "early_stop" || len(res.Epochs) != 3 || res.BestEpoch != 1 {
		t.Fatalf("stop %q after %d epochs, best %d; want early_stop after 3, best 1", res.Stop, len(res.Epochs), res.BestEpoch)
	}
	lrs := []float64{res.Epochs[0].LR, res.Epochs[1].LR, res.Epochs[2].LR}
	if math.Abs(lrs[1]-0.02) > 1e-9 || math.Abs(lrs[2]-0.01) > 1e-9 {
		t.Errorf("learning rates %v, want 0.02 0.02 0.01", lrs)
	}
	one := f.model(t, "lr", cfg.Batch, 3)
	cfg1 := cfg
	cfg1.Epochs = 1
	if _, err := Fit(context.Background(), one, f.train.Source(), NewHoldout(f.valid, cfg1.Batch, false), cfg1, Options{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(m), weights(one)) {
		t.Error("the early-stopped model does not hold its best (first) epoch's weights")
	}
}

func TestConfigValidation(t *testing.T) {
	for _, mut := range []func(*Config){
		func(c *Config) { c.Epochs = 0 },
		func(c *Config) { c.Batch = -1 },
		func(c *Config) { c.Task = "ranking" },
		func(c *Config) { c.Optimizer.Rule = "lion" },
		func(c *Config) { c.Optimizer.LR = -1 },
		func(c *Config) { c.EarlyStop.Metric = "f1" },
		func(c *Config) { c.Plateau.Factor = 1.5 },
	} {
		c := DefaultConfig()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("invalid config accepted: %+v", c)
		}
	}
}

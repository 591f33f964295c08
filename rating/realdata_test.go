package rating

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// On ML-100K u1, with small settings: every model must land well below
// the global-mean floor the dataset's README gives (1.1537 on u1.test), and
// the baseline near its known level.
func TestRealML100KU1(t *testing.T) {
	dir := shareddata.Dir(t, "ml-100k")
	trainRaw, err := ReadFile(filepath.Join(dir, "u1.base"))
	if err != nil {
		t.Fatal(err)
	}
	testRaw, err := ReadFile(filepath.Join(dir, "u1.test"))
	if err != nil {
		t.Fatal(err)
	}
	idx := NewIndex(trainRaw)
	train, test := idx.Encode(trainRaw), idx.Encode(testRaw)
	if train.Len() != 80000 || test.Len() != 20000 || idx.NumUsers() != 943 {
		t.Fatalf("u1: %d training and %d test ratings, %d users; the README says 80000, 20000, 943", train.Len(), test.Len(), idx.NumUsers())
	}
	mean := &constModel{v: newStats(train).mean}
	floor := Evaluate(mean, test).RMSE
	if floor < 1.15 || floor > 1.16 {
		t.Fatalf("global-mean RMSE %.4f on u1.test, the README says 1.1537", floor)
	}
	base, _ := NewBaseline(BaselineConfig{})
	auto, _ := NewAutoRec(AutoRecConfig{Hidden: 100, Lambda: 100, LR: 1e-3, Batch: 64, Epochs: 12, Seed: 1})
	for _, c := range []struct {
		name  string
		m     Model
		bound float64
	}{
		{"baseline", base, 0.97},
		{"I-AutoRec, 12 Adam epochs, 100 hidden", auto, 0.95},
	} {
		rep, err := c.m.Fit(context.Background(), train, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := Evaluate(c.m, test)
		t.Logf("%s: u1.test RMSE %.4f, MAE %.4f (%.1fs; %d test ratings unseen)", c.name, got.RMSE, got.MAE, rep.Seconds, got.Unseen)
		if !(got.RMSE < c.bound) {
			t.Errorf("%s: RMSE %.4f on u1.test, want below %.2f (global mean: %.4f)", c.name, got.RMSE, c.bound, floor)
		}
	}
}

// constModel predicts one value everywhere.
type constModel struct{ v float32 }

func (m *constModel) Fit(context.Context, *Ratings, *Ratings) (*FitReport, error) {
	return &FitReport{}, nil
}
func (m *constModel) Predict(int32, int32) float32 { return m.v }

// BenchmarkAutoRecEpochML100K times one minibatch Adam epoch over u1.base
// with the default configuration (500 hidden units, batches of 128).
func BenchmarkAutoRecEpochML100K(b *testing.B) {
	raw, err := ReadFile(filepath.Join(shareddata.Dir(b, "ml-100k"), "u1.base"))
	if err != nil {
		b.Fatal(err)
	}
	train := NewIndex(raw).Encode(raw)
	for _, user := range []bool{false, true} {
		name := map[bool]string{false: "I-AutoRec", true: "U-AutoRec"}[user]
		b.Run(name, func(b *testing.B) {
			a, err := NewAutoRec(AutoRecConfig{UserBased: user, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			a.setup(train)
			a.init()
			tr := a.newAdamTrainer()
			b.ResetTimer()
			for b.Loop() {
				if _, err := tr.epoch(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

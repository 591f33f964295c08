package rating

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestBiasedMFBeatsBaselineOnLowRankMatrix(t *testing.T) {
	train, test, _ := synthSplit(t, 21, 300, 200, 0.15)
	base, _ := NewBaseline(BaselineConfig{})
	if _, err := base.Fit(context.Background(), train, nil); err != nil {
		t.Fatal(err)
	}
	mf, _ := NewBiasedMF(BiasedMFConfig{Factors: 8, LR: 0.01, Reg: 0.05, Epochs: 40, Seed: 1})
	rep, err := mf.Fit(context.Background(), train, nil)
	if err != nil {
		t.Fatal(err)
	}
	rb, rm := Evaluate(base, test).RMSE, Evaluate(mf, test).RMSE
	t.Logf("baseline %.4f, biased MF %.4f", rb, rm)
	if !(rm < rb-0.05) {
		t.Errorf("biased MF RMSE %.4f, baseline %.4f: want at least 0.05 better", rm, rb)
	}
	if l := rep.TrainLoss; !(l[len(l)-1] < l[0]) {
		t.Errorf("training error did not decrease: %v → %v", l[0], l[len(l)-1])
	}
}

func TestBiasedMFFallbackAndDeterminism(t *testing.T) {
	train := randomRatings(12, 15, 12, 0.4, 1, 1)
	fit := func(seed uint64) *BiasedMF {
		m, _ := NewBiasedMF(BiasedMFConfig{Factors: 4, Epochs: 5, Seed: seed})
		if _, err := m.Fit(context.Background(), train, nil); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := fit(3), fit(3), fit(4)
	if !slices.Equal(a.p, b.p) || !slices.Equal(a.q, b.q) || !slices.Equal(a.bu, b.bu) {
		t.Error("two fits with one seed differ")
	}
	if slices.Equal(a.p, c.p) {
		t.Error("seeds 3 and 4 gave identical factors")
	}
	spareU, spareI := int32(train.NumUsers-1), int32(train.NumItems-1)
	for _, x := range []struct {
		u, i int32
		want float32
	}{
		{Unseen, 2, a.mean + a.bi[2]},
		{spareU, 2, a.mean + a.bi[2]},
		{3, Unseen, a.mean + a.bu[3]},
		{3, spareI, a.mean + a.bu[3]},
		{Unseen, Unseen, a.mean},
	} {
		if got := a.Predict(x.u, x.i); got != a.clip(x.want) {
			t.Errorf("Predict(%d, %d) = %v, want μ plus the existing biases %v", x.u, x.i, got, a.clip(x.want))
		}
	}
}

// With validation, the kept parameters are those of the best epoch: their
// validation RMSE is the curve's minimum, at BestEpoch.
func TestEarlyStoppingKeepsBestEpoch(t *testing.T) {
	train, valid, _ := synthSplit(t, 5, 120, 90, 0.2)
	models := map[string]Model{}
	models["biasedmf"], _ = NewBiasedMF(BiasedMFConfig{Factors: 20, LR: 0.03, Reg: 0.001, Epochs: 60, Patience: 5, Seed: 1})
	models["autorec"], _ = NewAutoRec(AutoRecConfig{Hidden: 64, Lambda: 0.01, LR: 0.01, Epochs: 80, Patience: 5, Seed: 1})
	for name, m := range models {
		rep, err := m.Fit(context.Background(), train, valid)
		if err != nil {
			t.Fatal(err)
		}
		best := slices.Min(rep.Curve)
		if rep.ValidRMSE != best || rep.Curve[rep.BestEpoch-1] != best {
			t.Errorf("%s: ValidRMSE %v at epoch %d, curve minimum %v", name, rep.ValidRMSE, rep.BestEpoch, best)
		}
		if got := Evaluate(m, valid).RMSE; math.Abs(got-best) > 1e-12 {
			t.Errorf("%s: kept parameters score %v on validation, best epoch scored %v", name, got, best)
		}
		// Little regularization and a high rate overfit: the run must have
		// stopped early, patience epochs after the best.
		if rep.Epochs != rep.BestEpoch+5 {
			t.Errorf("%s: ran %d epochs with the best at %d and patience 5", name, rep.Epochs, rep.BestEpoch)
		}
	}
}

func TestBiasedMFConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  BiasedMFConfig
		want string
	}{
		{BiasedMFConfig{Factors: -1}, "factors"},
		{BiasedMFConfig{LR: -0.1}, "learning rate"},
		{BiasedMFConfig{Reg: -1}, "regularization"},
		{BiasedMFConfig{Epochs: -1}, "epochs"},
		{BiasedMFConfig{Patience: -1}, "patience"},
	} {
		if _, err := NewBiasedMF(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.cfg, err, c.want)
		}
	}
}

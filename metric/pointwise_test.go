package metric

import (
	"errors"
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestLogLossHandComputed(t *testing.T) {
	// −(ln 0.8 + ln(1−0.4) + ln 0.5)/3 = −(ln 0.8 + ln 0.6 + ln 0.5)/3.
	want := -(math.Log(0.8) + math.Log(0.6) + math.Log(0.5)) / 3
	got, err := LogLoss([]float64{0.8, 0.4, 0.5}, []float64{1, 0, 1})
	if err != nil || !near(got, want, 1e-15) {
		t.Errorf("LogLoss = %v, %v; want %v", got, err, want)
	}
	// Clipping: a certain wrong prediction costs −ln(1e-7), not +Inf.
	got, err = LogLoss([]float64{0, 1}, []float64{1, 0})
	if err != nil || !near(got, -math.Log(LogLossEpsilon), 1e-9) {
		t.Errorf("clipped LogLoss = %v, %v; want %v", got, err, -math.Log(LogLossEpsilon))
	}
	// Soft label 0.5 at p = 0.5: ln 2.
	got, err = LogLoss([]float32{0.5}, []float32{0.5})
	if err != nil || !near(got, math.Ln2, 1e-15) {
		t.Errorf("soft LogLoss = %v, %v; want ln 2", got, err)
	}
}

func TestLogLossLogits(t *testing.T) {
	// z = 0 → p = ½ → ln 2 for either label.
	got, err := LogLossLogits([]float64{0, 0}, []float64{0, 1})
	if err != nil || !near(got, math.Ln2, 1e-15) {
		t.Errorf("LogLossLogits(0) = %v, %v; want ln 2", got, err)
	}
	// Agrees with LogLoss on moderate logits: z = ln 4 → p = 0.8; z = −ln(3/2) → p = 0.4.
	want := -(math.Log(0.8) + math.Log(0.6)) / 2
	got, err = LogLossLogits([]float64{math.Log(4), -math.Log(1.5)}, []float64{1, 0})
	if err != nil || !near(got, want, 1e-15) {
		t.Errorf("LogLossLogits = %v, %v; want %v", got, err, want)
	}
	// Stable at extremes: z = 1000 wrong costs exactly 1000, right costs ~0.
	got, err = LogLossLogits([]float64{1000, 1000}, []float64{0, 1})
	if err != nil || !near(got, 500, 1e-12) {
		t.Errorf("extreme LogLossLogits = %v, %v; want 500", got, err)
	}
	if _, err := LogLossLogits([]float64{math.Inf(1)}, []float64{1}); !errors.Is(err, ErrRange) {
		t.Errorf("infinite logit: err = %v", err)
	}
}

func TestRMSEMAE(t *testing.T) {
	pred := []float64{3, 5, 2.5, 7}
	target := []float64{2.5, 5, 4, 8}
	// errors 0.5, 0, −1.5, −1: squares 0.25+0+2.25+1 = 3.5 → √0.875; abs 3/4.
	if got, err := RMSE(pred, target); err != nil || !near(got, math.Sqrt(0.875), 1e-15) {
		t.Errorf("RMSE = %v, %v; want √0.875", got, err)
	}
	if got, err := MAE(pred, target); err != nil || !near(got, 0.75, 1e-15) {
		t.Errorf("MAE = %v, %v; want 0.75", got, err)
	}
	if got, err := RMSE([]float32{1}, []float32{1}); err != nil || got != 0 {
		t.Errorf("RMSE of exact = %v, %v", got, err)
	}
}

func TestAccuracy(t *testing.T) {
	// 0.5 counts as positive (≥ threshold): right, right, wrong, right, wrong → 3/5.
	scores := []float64{0.5, 0.2, 0.49, 0.9, 0.7}
	labels := []float64{1, 0, 1, 1, 0}
	if got, err := Accuracy(scores, labels); err != nil || got != 0.6 {
		t.Errorf("Accuracy = %v, %v; want 0.6", got, err)
	}
	// At 0.8 only 0.9 predicts 1: wrong, right, wrong, right, right → 3/5.
	if got, err := AccuracyAt(scores, labels, 0.8); err != nil || got != 0.6 {
		t.Errorf("AccuracyAt(0.8) = %v, %v; want 0.6", got, err)
	}
	if _, err := AccuracyAt(scores, labels, math.NaN()); !errors.Is(err, ErrRange) {
		t.Errorf("NaN threshold: err = %v", err)
	}
}

func TestPointwiseBadInput(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		f    func() (float64, error)
		want error
	}{
		{"logloss empty", func() (float64, error) { return LogLoss([]float64{}, nil) }, ErrEmpty},
		{"logloss length", func() (float64, error) { return LogLoss([]float64{0.5}, []float64{1, 0}) }, ErrLength},
		{"logloss NaN", func() (float64, error) { return LogLoss([]float64{nan}, []float64{1}) }, ErrNaN},
		{"logloss p>1", func() (float64, error) { return LogLoss([]float64{1.5}, []float64{1}) }, ErrRange},
		{"logloss label", func() (float64, error) { return LogLoss([]float64{0.5}, []float64{2}) }, ErrLabel},
		{"logloss NaN label", func() (float64, error) { return LogLoss([]float64{0.5}, []float64{nan}) }, ErrLabel},
		{"logits NaN", func() (float64, error) { return LogLossLogits([]float64{nan}, []float64{1}) }, ErrNaN},
		{"rmse empty", func() (float64, error) { return RMSE([]float64{}, []float64{}) }, ErrEmpty},
		{"rmse NaN target", func() (float64, error) { return RMSE([]float64{1}, []float64{nan}) }, ErrNaN},
		{"mae Inf", func() (float64, error) { return MAE([]float64{math.Inf(1)}, []float64{1}) }, ErrRange},
		{"accuracy label", func() (float64, error) { return Accuracy([]float64{0.5}, []float64{0.3}) }, ErrLabel},
		{"accuracy empty", func() (float64, error) { return Accuracy([]float64{}, []float64{}) }, ErrEmpty},
		{"accuracy NaN", func() (float64, error) { return Accuracy([]float64{nan}, []float64{1}) }, ErrNaN},
	}
	for _, c := range cases {
		got, err := c.f()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if !math.IsNaN(got) {
			t.Errorf("%s: value = %v, want NaN", c.name, got)
		}
	}
}

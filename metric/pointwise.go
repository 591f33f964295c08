package metric

import (
	"fmt"
	"math"
)

// LogLossEpsilon is the clipping bound LogLoss applies to probabilities:
// each p is clamped to [LogLossEpsilon, 1−LogLossEpsilon] before taking
// logarithms, so a confident wrong prediction costs at most −ln(1e-7) ≈ 16.1
// instead of +Inf. 1e-7 is about float32's resolution near 1, the precision
// recforge's models predict in.
const LogLossEpsilon = 1e-7

// DefaultThreshold is the decision threshold Accuracy uses.
const DefaultThreshold = 0.5

// checkLabels01 validates labels in [0, 1] (soft labels allowed).
func checkLabels01[F Float](what string, labels []F) error {
	for i, y := range labels {
		if !(y >= 0 && y <= 1) {
			return fmt.Errorf("%w: %s: label %d is %v, want a value in [0, 1]", ErrLabel, what, i, float64(y))
		}
	}
	return nil
}

// LogLoss returns the mean binary cross-entropy
// −(1/n) Σ [y·ln p + (1−y)·ln(1−p)] of probabilities p against labels y in
// [0, 1], with p clipped to [LogLossEpsilon, 1−LogLossEpsilon]. A
// probability outside [0, 1] is an error (ErrRange); pass logits to
// LogLossLogits instead.
func LogLoss[F Float](probs, labels []F) (float64, error) {
	if err := checkPair("log loss", probs, labels); err != nil {
		return math.NaN(), err
	}
	if err := checkLabels01("log loss", labels); err != nil {
		return math.NaN(), err
	}
	var sum float64
	for i, pf := range probs {
		p := float64(pf)
		if p < 0 || p > 1 {
			return math.NaN(), fmt.Errorf("%w: log loss: probability %d is %v, want [0, 1]", ErrRange, i, p)
		}
		p = min(max(p, LogLossEpsilon), 1-LogLossEpsilon)
		y := float64(labels[i])
		sum -= y*math.Log(p) + (1-y)*math.Log1p(-p)
	}
	return sum / float64(len(probs)), nil
}

// LogLossLogits returns the same mean binary cross-entropy computed from
// logits z (p = sigmoid(z)) without clipping, in the overflow-free form
// max(z, 0) − z·y + ln(1 + e^−|z|). Infinite logits are an error.
func LogLossLogits[F Float](logits, labels []F) (float64, error) {
	if err := checkPair("log loss", logits, labels); err != nil {
		return math.NaN(), err
	}
	if err := checkLabels01("log loss", labels); err != nil {
		return math.NaN(), err
	}
	if err := checkFinite("log loss", "logit", logits); err != nil {
		return math.NaN(), err
	}
	var sum float64
	for i, zf := range logits {
		z, y := float64(zf), float64(labels[i])
		sum += max(z, 0) - z*y + math.Log1p(math.Exp(-math.Abs(z)))
	}
	return sum / float64(len(logits)), nil
}

// RMSE returns the root mean squared error √((1/n) Σ (pred−target)²).
// Every value must be finite.
func RMSE[F Float](pred, target []F) (float64, error) {
	if err := checkRegression("RMSE", pred, target); err != nil {
		return math.NaN(), err
	}
	var sum float64
	for i, p := range pred {
		d := float64(p) - float64(target[i])
		sum += d * d
	}
	return math.Sqrt(sum / float64(len(pred))), nil
}

// MAE returns the mean absolute error (1/n) Σ |pred−target|. Every value
// must be finite.
func MAE[F Float](pred, target []F) (float64, error) {
	if err := checkRegression("MAE", pred, target); err != nil {
		return math.NaN(), err
	}
	var sum float64
	for i, p := range pred {
		sum += math.Abs(float64(p) - float64(target[i]))
	}
	return sum / float64(len(pred)), nil
}

func checkRegression[F Float](what string, pred, target []F) error {
	if err := checkPair(what, pred, target); err != nil {
		return err
	}
	if err := checkFinite(what, "prediction", pred); err != nil {
		return err
	}
	return checkFinite(what, "target", target)
}

// Accuracy returns the fraction of rows whose prediction, thresholded at
// DefaultThreshold (score ≥ 0.5 predicts 1), equals the 0/1 label.
func Accuracy[F Float](scores, labels []F) (float64, error) {
	return AccuracyAt(scores, labels, DefaultThreshold)
}

// AccuracyAt is Accuracy with a caller-chosen threshold: score ≥ threshold
// predicts 1. Use threshold 0 for logits. A NaN threshold is an error.
func AccuracyAt[F Float](scores, labels []F, threshold float64) (float64, error) {
	if math.IsNaN(threshold) {
		return math.NaN(), fmt.Errorf("%w: accuracy: threshold is NaN", ErrRange)
	}
	if _, err := checkBinary("accuracy", scores, labels); err != nil {
		return math.NaN(), err
	}
	var right int
	for i, s := range scores {
		if (float64(s) >= threshold) == (labels[i] == 1) {
			right++
		}
	}
	return float64(right) / float64(len(scores)), nil
}

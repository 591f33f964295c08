package nn

import (
	"fmt"
	"math"
)

// SigmoidLogLoss returns the mean binary cross-entropy of σ(logits) against
// labels (in [0, 1]) over the n = len(logits) examples, and writes
// dL/dlogit = w·(σ(z) − y)/n into dlogit, the output gradient of a CTR
// model's last layer.
//
// It works on logits, never on probabilities, so that it stays finite for
// any finite logit: per example it computes
//
//	max(z, 0) − z·y + log(1 + e^−|z|)
//
// in float64. With weights (len n, nil for all 1) example i counts w_i
// times and the sum is still divided by n (the PyTorch and Keras
// convention), so that zero weights mask examples out without renormalising.
func SigmoidLogLoss(dlogit, logits, labels, weights []float32) float64 {
	n := len(logits)
	if n == 0 {
		return 0
	}
	return SigmoidLogLossPart(dlogit, logits, labels, weights, n) * (1 / float64(n))
}

// SigmoidLogLossPart is SigmoidLogLoss on a part of a batch of n rows, as
// data-parallel training splits a batch into shards: it returns the loss
// summed over the part's len(logits) rows, not divided, and writes the
// gradient of the whole batch's mean, dL/dlogit = w·(σ(z) − y)/n. Over the
// whole batch (n = len(logits)) it writes SigmoidLogLoss's gradient bit for
// bit.
func SigmoidLogLossPart(dlogit, logits, labels, weights []float32, n int) float64 {
	m := len(logits)
	if len(labels) < m || len(dlogit) < m || (weights != nil && len(weights) < m) || n < m {
		panic(fmt.Sprintf("nn: SigmoidLogLoss: %d logits, %d labels, %d weights, %d gradient slots, batch of %d", m, len(labels), len(weights), len(dlogit), n))
	}
	if m == 0 {
		return 0
	}
	inv := 1 / float64(n)
	var sum float64
	for i, zf := range logits {
		z, y := float64(zf), float64(labels[i])
		w := 1.0
		if weights != nil {
			w = float64(weights[i])
		}
		sum += w * (max(z, 0) - z*y + math.Log1p(math.Exp(-math.Abs(z))))
		dlogit[i] = float32(w * (lossSigmoid(z) - y) * inv)
	}
	return sum
}

// lossSigmoid is 1/(1+e^−z), evaluated so that e^|z| never overflows.
func lossSigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// SquaredError returns the mean squared error (1/n)·Σ w·(p − t)² over the
// n = len(pred) predictions, and writes dL/dp = 2·w·(p − t)/n into dpred.
// The loss is not halved, so √loss is the RMSE of the batch. weights (len n,
// nil for all 1) mask or weight entries without renormalising, as in
// SigmoidLogLoss.
func SquaredError(dpred, pred, target, weights []float32) float64 {
	n := len(pred)
	if n == 0 {
		return 0
	}
	return SquaredErrorPart(dpred, pred, target, weights, n) * (1 / float64(n))
}

// SquaredErrorPart is SquaredError on a part of a batch of n rows (see
// SigmoidLogLossPart): it returns the squared errors summed over the
// part's len(pred) rows and writes dL/dp = 2·w·(p − t)/n, the gradient of
// the whole batch's mean.
func SquaredErrorPart(dpred, pred, target, weights []float32, n int) float64 {
	m := len(pred)
	if len(target) < m || len(dpred) < m || (weights != nil && len(weights) < m) || n < m {
		panic(fmt.Sprintf("nn: SquaredError: %d predictions, %d targets, %d weights, %d gradient slots, batch of %d", m, len(target), len(weights), len(dpred), n))
	}
	if m == 0 {
		return 0
	}
	inv := 1 / float64(n)
	var sum float64
	for i, pf := range pred {
		d := float64(pf) - float64(target[i])
		w := 1.0
		if weights != nil {
			w = float64(weights[i])
		}
		sum += w * d * d
		dpred[i] = float32(2 * w * d * inv)
	}
	return sum
}

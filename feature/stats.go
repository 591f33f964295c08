package feature

import "math"

// NumericStats are a numeric field's statistics over its non-missing
// values in the fitting data.
type NumericStats struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"` // population standard deviation
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// welford accumulates a mean and variance in one numerically stable pass
// (Welford 1962), so that large offsets do not cancel as in Σx² − n·mean².
type welford struct {
	n        int64
	mean, m2 float64
	min, max float64
}

func (w *welford) add(x float64) {
	if w.n == 0 {
		w.min, w.max = x, x
	}
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
	w.min = math.Min(w.min, x)
	w.max = math.Max(w.max, x)
}

func (w *welford) stats() NumericStats {
	s := NumericStats{Count: w.n, Mean: w.mean, Min: w.min, Max: w.max}
	if w.n > 0 {
		s.Std = math.Sqrt(w.m2 / float64(w.n))
	}
	return s
}

package metric

import "math"

// Stat is a mean and a sample standard deviation over runs (seeds, folds),
// as every table of repeated runs reports them.
type Stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// StatOf returns the mean of xs and their sample standard deviation (with
// n−1; 0 for fewer than two values). It is NaN for no values.
func StatOf(xs []float64) Stat {
	var s Stat
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		var v float64
		for _, x := range xs {
			v += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(v / float64(len(xs)-1))
	}
	return s
}

package metric

import (
	"math"
	"testing"
)

// StatOf's mean and sample (n−1) standard deviation against values worked
// by hand.
func TestStatOf(t *testing.T) {
	for _, c := range []struct {
		xs        []float64
		mean, std float64
	}{
		{[]float64{3.5}, 3.5, 0},
		{[]float64{1, 2}, 1.5, math.Sqrt(0.5)},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7)},
		{[]float64{-1, -1, -1}, -1, 0},
		{[]float64{0.7, 0.8, 0.9}, 0.8, 0.1},
	} {
		s := StatOf(c.xs)
		if math.Abs(s.Mean-c.mean) > 1e-12 || math.Abs(s.Std-c.std) > 1e-12 {
			t.Errorf("StatOf(%v) = %+v, want mean %g std %g", c.xs, s, c.mean, c.std)
		}
	}
	if s := StatOf(nil); !math.IsNaN(s.Mean) {
		t.Errorf("no values: mean %v, want NaN", s.Mean)
	}
}

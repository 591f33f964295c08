package optim

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/blas"
)

// Adam is the rule of Kingma & Ba (ICLR'15), with bias correction as in the
// paper's Algorithm 1 (and PyTorch):
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//	w ← w − lr·m̂ / (√v̂ + ε),  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
//
// t is the group's step count, also for table rows, whose moments only
// decay when the row is touched (PyTorch SparseAdam, TF LazyAdam). Typical
// values: β1 = 0.9, β2 = 0.999, ε = 1e-8.
type Adam struct {
	// Beta1 and Beta2 are the decay rates of the first and second moments,
	// each in [0, 1).
	Beta1, Beta2 float32
	// Eps keeps the step finite where v is zero; it must be positive.
	Eps float32
}

var adamSlots = []string{"m", "v"}

// Slots returns the first and second moments, "m" and "v".
func (Adam) Slots() []string { return adamSlots }

func (r Adam) check(lr float32) error {
	if !(r.Beta1 >= 0 && r.Beta1 < 1) || !(r.Beta2 >= 0 && r.Beta2 < 1) {
		return fmt.Errorf("Adam betas = (%v, %v), want each in [0, 1)", r.Beta1, r.Beta2)
	}
	if !(r.Eps > 0) {
		return fmt.Errorf("Adam.Eps = %v, want > 0", r.Eps)
	}
	return nil
}

func (Adam) initState([]float32) {}

// prepare folds the bias corrections into two scalars: the step size
// lr/(1−β1ᵗ) and 1/√(1−β2ᵗ), which turns √v into √v̂.
func (r Adam) prepare(c *stepCtx) {
	t := float64(c.t)
	c.k1 = float32(float64(c.lr) / (1 - math.Pow(float64(r.Beta1), t)))
	c.k2 = float32(1 / math.Sqrt(1-math.Pow(float64(r.Beta2), t)))
}

// update runs the vectorized loop of blas.AdamUpdate, which rounds every
// operation as the plain float32 loop does, on rows of at least adamVector
// weights; shorter ones (the table rows of a small embedding dimension) stay
// on the plain loop, which measured faster than the call and the masked
// tail (40k rows of dim 10: 2.3-3.9 ms against 3.0-4.7 ms).
func (r Adam) update(w, g, s []float32, c *stepCtx) {
	n := len(w)
	g = g[:n]
	m := s[:n]
	v := s[n : 2*n]
	if n >= adamVector {
		blas.AdamUpdate(w, g, m, v, blas.AdamConsts{Beta1: r.Beta1, Beta2: r.Beta2, Step: c.k1, Corr: c.k2, Eps: r.Eps})
		return
	}
	b1, b2 := r.Beta1, r.Beta2
	c1, c2 := 1-b1, 1-b2
	step, corr, eps := c.k1, c.k2, r.Eps
	for i, gi := range g {
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		w[i] -= step * mi / (sqrt32(vi)*corr + eps)
	}
}

// updateRows runs blas.AdamRows: one pass over the rows, which overlaps
// their cache misses, with AdamUpdate's rounding.
func (r Adam) updateRows(data []float32, stride int, rows []int32, grad []float32, dim int, c *stepCtx) {
	blas.AdamRows(data, stride, rows, grad, dim, blas.AdamConsts{Beta1: r.Beta1, Beta2: r.Beta2, Step: c.k1, Corr: c.k2, Eps: r.Eps})
}

// adamVector is the shortest row Adam hands to blas.AdamUpdate.
const adamVector = 16

// sqrt32 is the correctly rounded float32 square root (rounding the float64
// root once more is exact for square roots).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

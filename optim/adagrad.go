package optim

import "fmt"

// Adagrad is the rule of Duchi et al. (JMLR'11), in PyTorch's form:
//
//	a ← a + g²;  w ← w − lr·g / (√a + ε)
type Adagrad struct {
	// InitialAccumulator is a's starting value (TensorFlow uses 0.1,
	// PyTorch 0); it damps the first steps.
	InitialAccumulator float32
	// Eps keeps the step finite while a is zero (PyTorch uses 1e-10).
	Eps float32
}

var adagradSlots = []string{"acc"}

// Slots returns the accumulated squared gradient, "acc".
func (Adagrad) Slots() []string { return adagradSlots }

func (r Adagrad) check(lr float32) error {
	if !(r.InitialAccumulator >= 0) || !(r.Eps >= 0) {
		return fmt.Errorf("Adagrad InitialAccumulator = %v, Eps = %v, want both ≥ 0", r.InitialAccumulator, r.Eps)
	}
	if r.InitialAccumulator == 0 && r.Eps == 0 {
		return fmt.Errorf("Adagrad needs InitialAccumulator > 0 or Eps > 0, or a zero gradient divides 0 by 0")
	}
	return nil
}

func (r Adagrad) initState(s []float32) {
	for i := range s {
		s[i] = r.InitialAccumulator
	}
}

func (Adagrad) prepare(*stepCtx) {}

func (r Adagrad) update(w, g, s []float32, c *stepCtx) {
	n := len(w)
	g = g[:n]
	a := s[:n]
	lr, eps := c.lr, r.Eps
	for i, gi := range g {
		ai := a[i] + gi*gi
		a[i] = ai
		w[i] -= lr * gi / (sqrt32(ai) + eps)
	}
}

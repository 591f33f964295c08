package optim

import "fmt"

// SGD is stochastic gradient descent, optionally with momentum:
//
//	b ← μ·b + g;  w ← w − lr·b            (momentum, PyTorch's form)
//	w ← w − lr·(g + μ·b)                  (Nesterov, after updating b)
//	w ← w − lr·g                          (Momentum = 0: no state)
type SGD struct {
	// Momentum μ in [0, 1).
	Momentum float32
	// Nesterov uses the look-ahead form; it needs Momentum > 0.
	Nesterov bool
}

var sgdSlots = []string{"momentum"}

// Slots returns "momentum" when Momentum is set, and nothing otherwise.
func (r SGD) Slots() []string {
	if r.Momentum == 0 {
		return nil
	}
	return sgdSlots
}

func (r SGD) check(lr float32) error {
	if !(r.Momentum >= 0 && r.Momentum < 1) {
		return fmt.Errorf("SGD.Momentum = %v, want 0 ≤ μ < 1", r.Momentum)
	}
	if r.Nesterov && r.Momentum == 0 {
		return fmt.Errorf("SGD.Nesterov needs Momentum > 0")
	}
	return nil
}

func (SGD) initState([]float32) {}

func (SGD) prepare(*stepCtx) {}

func (r SGD) update(w, g, s []float32, c *stepCtx) {
	g = g[:len(w)]
	lr := c.lr
	if r.Momentum == 0 {
		for i, gi := range g {
			w[i] -= lr * gi
		}
		return
	}
	mu := r.Momentum
	b := s[:len(w)]
	if r.Nesterov {
		for i, gi := range g {
			bi := mu*b[i] + gi
			b[i] = bi
			w[i] -= lr * (gi + mu*bi)
		}
		return
	}
	for i, gi := range g {
		bi := mu*b[i] + gi
		b[i] = bi
		w[i] -= lr * bi
	}
}

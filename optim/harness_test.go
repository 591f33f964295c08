package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// denseSteps trains one parameter starting at w0 with rule at lr, feeding
// grads[k] as the gradient of step k, and returns the weights after each step.
func denseSteps(t *testing.T, rule Rule, lr float32, w0 []float32, grads [][]float32) [][]float32 {
	t.Helper()
	p := nn.NewParam("p", len(w0))
	copy(p.W, w0)
	o := New(NewGroup("g", rule, lr).AddParams(p))
	var out [][]float32
	for _, g := range grads {
		copy(p.G, g)
		o.Step()
		out = append(out, append([]float32(nil), p.W...))
	}
	return out
}

// expectClose fails unless every got[i] is within atol + rtol·|want[i]| of
// want[i]: float32 arithmetic against expectations worked out in exact or
// float64 arithmetic.
func expectClose(t *testing.T, what string, got []float32, want []float64, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i, g := range got {
		if d := math.Abs(float64(g) - want[i]); !(d <= atol+rtol*math.Abs(want[i])) {
			t.Errorf("%s[%d] = %.9g, want %.9g (off by %.3g)", what, i, g, want[i], d)
		}
	}
}

// expectPanic fails unless f panics with a message containing substr.
func expectPanic(t *testing.T, substr string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", substr)
		}
		if msg, _ := r.(string); !strings.Contains(msg, substr) {
			t.Fatalf("panic %q, want one mentioning %q", r, substr)
		}
	}()
	f()
}

// sameBits fails unless a and b are bit-for-bit equal.
func sameBits(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: lengths %d and %d", what, len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s[%d]: %.9g and %.9g differ", what, i, a[i], b[i])
		}
	}
}

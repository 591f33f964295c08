package nn

import (
	"math"
	"testing"
)

func TestBiInteractionEqualsPairProductSum(t *testing.T) {
	const n, F, k = 3, 5, 4
	e := randomInput(n*F*k, 1, 10)
	y := NewBiInteraction(F, k, n).Forward(e, n)
	for b := 0; b < n; b++ {
		for c := 0; c < k; c++ {
			var want float64
			for i := 0; i < F; i++ {
				for j := i + 1; j < F; j++ {
					want += float64(e[(b*F+i)*k+c]) * float64(e[(b*F+j)*k+c])
				}
			}
			if got := float64(y[b*k+c]); math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("f_BI[%d,%d] = %v, explicit Σ_{i<j} v_i⊙v_j = %v", b, c, got, want)
			}
		}
	}
}

// Summed over its k entries, Bi-Interaction pooling is the FM pairwise term:
// the identity behind "NFM without hidden layers is FM".
func TestBiInteractionSumsToFMTerm(t *testing.T) {
	const n, F, k = 5, 7, 6
	e := randomInput(n*F*k, 1, 11)
	bi := NewBiInteraction(F, k, n).Forward(e, n)
	fm := NewFMInteraction(F, k, n).Forward(e, n)
	for b := 0; b < n; b++ {
		var s float64
		for _, v := range bi[b*k : b*k+k] {
			s += float64(v)
		}
		if math.Abs(s-float64(fm[b])) > 1e-4*(1+math.Abs(s)) {
			t.Fatalf("example %d: Σ_c f_BI = %v, FM term = %v", b, s, fm[b])
		}
	}
}

func TestBiInteractionGradients(t *testing.T) {
	const n, F, k = 3, 4, 5
	checkRowLayer(t, NewBiInteraction(F, k, 3), randomInput(n*F*k, 1, 12), n, k, nil, nil, nil, GradCheckOptions{Eps: 1e-2})
}

func TestBiInteractionNoAllocs(t *testing.T) {
	const n, F, k = 8, 6, 4
	if a := stepAllocs(NewBiInteraction(F, k, n), randomInput(n*F*k, 1, 14), n, randomInput(n*k, 1, 15)); a != 0 {
		t.Fatalf("%v allocations per Forward+Backward, want 0", a)
	}
}

func BenchmarkBiInteraction(b *testing.B) {
	const n, F, k = 1024, 39, 10
	l := NewBiInteraction(F, k, n)
	e := randomInput(n*F*k, 0.1, 1)
	dy := randomInput(n*k, 1, 2)
	b.ResetTimer()
	for b.Loop() {
		l.Forward(e, n)
		l.Backward(dy)
	}
}

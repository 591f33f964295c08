package nn

import (
	"math"
	"testing"
)

// randomInput returns n floats drawn from N(0, std²) by a generator seeded
// with seed, so that every test input is reproducible.
func randomInput(n int, std float64, seed uint64) []float32 {
	x := make([]float32, n)
	InitNormal(x, std, NewRand(seed))
	return x
}

// explicitFMTerm returns Σ_{i<j} ⟨v_i, v_j⟩ of one example's F×k
// embeddings in float64, by the definition rather than the O(Fk) identity.
func explicitFMTerm(e []float32, F, k int) float64 {
	var s float64
	for i := 0; i < F; i++ {
		for j := i + 1; j < F; j++ {
			for c := 0; c < k; c++ {
				s += float64(e[i*k+c]) * float64(e[j*k+c])
			}
		}
	}
	return s
}

func TestFMInteractionEqualsPairSum(t *testing.T) {
	const n, F, k = 4, 6, 5
	l := NewFMInteraction(F, k, n)
	e := randomInput(n*F*k, 1, 1)
	y := l.Forward(e, n)
	for b := 0; b < n; b++ {
		want := explicitFMTerm(e[b*F*k:(b+1)*F*k], F, k)
		if math.Abs(float64(y[b])-want) > 1e-4*(1+math.Abs(want)) {
			t.Fatalf("example %d: FM term %v, explicit pair sum %v", b, y[b], want)
		}
	}
}

func TestFMInteractionHandExample(t *testing.T) {
	// v0 = (1, 2), v1 = (3, −1), v2 = (0, 4):
	// ⟨v0,v1⟩ + ⟨v0,v2⟩ + ⟨v1,v2⟩ = 1 + 8 − 4 = 5.
	l := NewFMInteraction(3, 2, 1)
	if y := l.Forward([]float32{1, 2, 3, -1, 0, 4}, 1); y[0] != 5 {
		t.Fatalf("y = %v, want 5", y[0])
	}
}

func TestFMInteractionPaddingSlotIsInert(t *testing.T) {
	const n, F, k = 3, 5, 4
	e := randomInput(n*F*k, 1, 2)
	short := make([]float32, 0, n*(F-1)*k)
	for b := 0; b < n; b++ {
		clear(e[(b*F+2)*k : (b*F+3)*k]) // slot 2 is padding
		short = append(short, e[b*F*k:(b*F+2)*k]...)
		short = append(short, e[(b*F+3)*k:(b+1)*F*k]...)
	}
	full := append([]float32(nil), NewFMInteraction(F, k, n).Forward(e, n)...)
	want := NewFMInteraction(F-1, k, n).Forward(short, n)
	for b := range want {
		if math.Abs(float64(full[b]-want[b])) > 1e-5*(1+math.Abs(float64(want[b]))) {
			t.Fatalf("example %d: with padding slot %v, without %v", b, full[b], want[b])
		}
	}
}

func TestFMInteractionGradients(t *testing.T) {
	const n, F, k = 3, 5, 4
	checkRowLayer(t, NewFMInteraction(F, k, 4), randomInput(n*F*k, 1, 3), n, 1, nil, nil, nil, GradCheckOptions{Eps: 1e-2})
}

// BackwardAdd adds g·(Σ_j v_jf − v_if) to what de held, on a shape whose
// F·k is no multiple of a vector (F 7, k 3) and a k of one vector (16).
func TestFMInteractionBackwardAdd(t *testing.T) {
	for _, shape := range []struct{ n, F, k int }{{3, 7, 3}, {2, 5, 16}} {
		n, F, k := shape.n, shape.F, shape.k
		l := NewFMInteraction(F, k, n)
		e := randomInput(n*F*k, 1, 7)
		dy := randomInput(n, 1, 8)
		l.Forward(e, n)
		de := make([]float32, n*F*k)
		for i := range de {
			de[i] = float32(i%5) - 2
		}
		l.BackwardAdd(dy, de)
		for b := range n {
			for i := range F {
				for c := range k {
					var sum float64
					for j := range F {
						sum += float64(e[(b*F+j)*k+c])
					}
					o := (b*F+i)*k + c
					want := float64(o%5-2) + float64(dy[b])*(sum-float64(e[o]))
					if !closeTo(de[o], want, 1e-5) {
						t.Fatalf("n %d F %d k %d: de[%d,%d,%d] = %v, want %v", n, F, k, b, i, c, de[o], want)
					}
				}
			}
		}
	}
}

func TestFMInteractionNoAllocs(t *testing.T) {
	const n, F, k = 8, 6, 4
	if a := stepAllocs(NewFMInteraction(F, k, n), randomInput(n*F*k, 1, 5), n, randomInput(n, 1, 6)); a != 0 {
		t.Fatalf("%v allocations per Forward+Backward, want 0", a)
	}
}

func BenchmarkFMInteraction(b *testing.B) {
	const n, F, k = 1024, 39, 10
	l := NewFMInteraction(F, k, n)
	e := randomInput(n*F*k, 0.1, 1)
	dy := randomInput(n, 1, 2)
	b.ResetTimer()
	for b.Loop() {
		l.Forward(e, n)
		l.Backward(dy)
	}
}

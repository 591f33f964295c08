package rl

import (
	"math"
	"testing"

	"github.com/recforge/recforge/nn"
)

// The survival model against its closed form: with no cap reached,
// S(t) = S0·e^{−λ(t−t1)} + Σ_{i≥2} S_a·e^{−λ(t−ti)}; with the cap, by hand.
func TestActivenessClosedForm(t *testing.T) {
	c := ActivenessConfig{Start: 0.5, Hazard: 0.1, Jump: 0.05}
	visits := []float64{2, 5, 5.5, 11, 30}
	var a Activeness
	if a.At(c, 1) != 0 {
		t.Fatal("unseen user has non-zero activeness")
	}
	for k, tk := range visits {
		a.Visit(c, tk)
		for _, dt := range []float64{0, 0.7, 4} {
			tt := tk + dt
			want := c.Start * math.Exp(-c.Hazard*(tt-visits[0]))
			for _, ti := range visits[1 : k+1] {
				want += c.Jump * math.Exp(-c.Hazard*(tt-ti))
			}
			if got := a.At(c, tt); math.Abs(got-want) > 1e-12 {
				t.Errorf("after %d visits, S(%v) = %v, closed form %v", k+1, tt, got, want)
			}
		}
	}
	// Cap: 0.5 → (0.5·e^{−0.1} + 0.7 > 1) → 1 → e^{−0.2}·1 + 0.7 > 1 → 1, then decay.
	c = ActivenessConfig{Start: 0.5, Hazard: 0.1, Jump: 0.7}
	var b Activeness
	b.Visit(c, 0)
	if got := b.Visit(c, 1); got != 1 {
		t.Errorf("capped visit gave %v, want 1", got)
	}
	if got, want := b.At(c, 3), math.Exp(-0.2); math.Abs(got-want) > 1e-12 {
		t.Errorf("decay from the cap: %v, want %v", got, want)
	}
	if err := (ActivenessConfig{Start: 1.5}).Validate(); err == nil {
		t.Error("Start 1.5 accepted")
	}
}

// Probabilistic interleaving is unbiased: each ranking contributes a position
// with probability ½ (checked overall and per position within 4 binomial
// standard deviations), and with clicks independent of the ranker neither
// ranking wins more duels than the other beyond chance. The slate never
// repeats a candidate.
func TestInterleaveUnbiased(t *testing.T) {
	const n, k, trials = 12, 5, 20000
	a := make([]int32, n)
	b := make([]int32, n)
	for i := range a {
		a[i] = int32(i)
		b[i] = int32(n - 1 - i) // opposite preferences
	}
	il, err := NewInterleaver(3)
	if err != nil {
		t.Fatal(err)
	}
	rng := nn.NewRand(11)
	slate := make([]int32, k)
	from := make([]int8, k)
	clicks := make([]bool, k)
	perPos := make([]int, k)
	var fromB, winsA, winsB int
	for range trials {
		il.Interleave(a, b, k, rng, slate, from)
		seen := map[int32]bool{}
		for i, c := range slate {
			if seen[c] || c < 0 || c >= n {
				t.Fatalf("bad slate %v", slate)
			}
			seen[c] = true
			if from[i] == 1 {
				fromB++
				perPos[i]++
			}
			clicks[i] = rng.Float64() < 0.3 // position-independent, ranker-blind clicks
		}
		ca, cb := Credit(from, clicks)
		if ca > cb {
			winsA++
		} else if cb > ca {
			winsB++
		}
	}
	check := func(name string, got int, m int) {
		mean, sd := float64(m)/2, math.Sqrt(float64(m)/4)
		if math.Abs(float64(got)-mean) > 4*sd {
			t.Errorf("%s: %d of %d, want %.0f ± %.1f (4 sd)", name, got, m, mean, 4*sd)
		}
	}
	check("positions from b", fromB, trials*k)
	for i, c := range perPos {
		check("position "+string(rune('0'+i))+" from b", c, trials)
	}
	check("duels won by b among decided", winsB, winsA+winsB)

	// The rankings shape what is shown: a's top candidate is far more often
	// placed by a than by b.
	var topByA, topByB int
	for range 2000 {
		il.Interleave(a, b, k, rng, slate, from)
		for i, c := range slate {
			if c == 0 {
				if from[i] == 0 {
					topByA++
				} else {
					topByB++
				}
			}
		}
	}
	if topByA < 10*topByB {
		t.Errorf("a's top candidate placed %d times by a, %d by b", topByA, topByB)
	}
}

package rl

import (
	"math"
	"testing"

	"github.com/recforge/recforge/nn"
)

// The whole dueling network's analytic gradient of ½Σ(Q − y)² agrees with
// central finite differences on every weight of both towers.
func TestQNetGradCheck(t *testing.T) {
	for _, act := range []nn.Activation{nn.ActTanh, nn.ActReLU} {
		rng := nn.NewRand(3)
		q, err := NewQNet(QNetConfig{StateDim: 4, ActionDim: 5, Hidden: []int{6, 3}, Activation: act}, 8, rng)
		if err != nil {
			t.Fatal(err)
		}
		const n = 7
		x := make([]float32, n*q.Width())
		y := make([]float32, n)
		nn.InitUniform(x, 1, rng)
		nn.InitUniform(y, 1, rng)
		for _, p := range q.Params() { // non-zero biases so every weight matters
			nn.InitUniform(p.W, 0.6, rng)
		}
		dq := make([]float32, n)
		loss := func() float64 {
			out := q.Forward(x, n)
			var l float64
			for i, v := range out {
				e := float64(v - y[i])
				l += 0.5 * e * e
			}
			return l
		}
		backward := func() {
			for _, p := range q.Params() {
				p.ZeroGrad()
			}
			out := q.Forward(x, n)
			for i, v := range out {
				dq[i] = v - y[i]
			}
			q.Backward(dq)
		}
		var vars []nn.Var
		for _, p := range q.Params() {
			vars = append(vars, nn.ParamVar(p))
		}
		if err := nn.GradCheck(loss, backward, vars, nn.GradCheckOptions{Eps: 1e-3, Seed: 1}); err != nil {
			t.Errorf("%v: %v", act, err)
		}
	}
}

// Q = V(state columns) + A(whole row): changing only action columns leaves
// the value tower's output alone, changing state columns moves both.
func TestQNetDuelingSplit(t *testing.T) {
	rng := nn.NewRand(5)
	q, err := NewQNet(QNetConfig{StateDim: 2, ActionDim: 3, Hidden: []int{4}}, 2, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := []float32{0.3, -0.2, 1, 0, 0.5, 0.3, -0.2, 0, 1, -0.5}
	q.Forward(x, 2)
	v := q.V.Forward([]float32{0.3, -0.2, 0.3, -0.2}, 2)
	if v[0] != v[1] {
		t.Fatalf("value tower differs for equal states: %v", v)
	}
	out := q.Forward(x, 2)
	a := q.A.Forward(x, 2)
	for i := range 2 {
		if math.Abs(float64(out[i]-(v[0]+a[i]))) > 1e-6 {
			t.Errorf("row %d: Q = %v, V + A = %v", i, out[i], v[0]+a[i])
		}
	}
	if _, err := NewQNet(QNetConfig{StateDim: 0, ActionDim: 3}, 2, rng); err == nil {
		t.Error("StateDim 0 accepted")
	}
}

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

package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recforge/recforge/nn"
)

func TestResidualUnitWithZeroW1IsReLU(t *testing.T) {
	const width, n = 5, 4
	rng := nn.NewRand(3)
	u := newResidualUnit("r", width, 3, n, rng)
	nn.InitNormal(u.d0.B.W, 1, rng)
	clear(u.d1.W.W)
	clear(u.d1.B.W)
	x := make([]float32, n*width)
	nn.InitNormal(x, 1, rng)
	y := u.forward(x, n)
	for i, v := range x {
		if y[i] != max(v, 0) {
			t.Fatalf("X_O[%d] = %v, want ReLU(%v)", i, y[i], v)
		}
	}
}

// randomResidualUnit returns a unit whose weights and biases are all drawn
// from N(0, std²) and an n×width input from N(0, 1).
func randomResidualUnit(width, hidden, n int, std float64, seed uint64) (*residualUnit, []float32, *rand.Rand) {
	rng := nn.NewRand(seed)
	u := newResidualUnit("r", width, hidden, n, rng)
	for _, p := range u.params() {
		nn.InitNormal(p.W, std, rng)
	}
	x := make([]float32, n*width)
	nn.InitNormal(x, 1, rng)
	return u, x, rng
}

func TestResidualUnitByHand(t *testing.T) {
	const width, hidden, n = 3, 2, 2
	u, x, _ := randomResidualUnit(width, hidden, n, 1, 4)
	y := u.forward(x, n)
	// X_O = ReLU(X_I + W1·ReLU(W0·X_I + b0) + b1), weights stored In×Out.
	for r := range n {
		h := make([]float64, hidden)
		for j := range hidden {
			s := float64(u.d0.B.W[j])
			for i := range width {
				s += float64(x[r*width+i]) * float64(u.d0.W.W[i*hidden+j])
			}
			h[j] = math.Max(s, 0)
		}
		for o := range width {
			s := float64(x[r*width+o]) + float64(u.d1.B.W[o])
			for j := range hidden {
				s += h[j] * float64(u.d1.W.W[j*width+o])
			}
			if want := math.Max(s, 0); math.Abs(float64(y[r*width+o])-want) > 1e-5 {
				t.Errorf("row %d output %d: %v, want %v", r, o, y[r*width+o], want)
			}
		}
	}
}

func TestResidualUnitGradient(t *testing.T) {
	const width, hidden, n = 4, 3, 5
	u, x, rng := randomResidualUnit(width, hidden, n, 0.5, 5)
	c := make([]float32, n*width) // loss = Σ c ⊙ X_O
	nn.InitNormal(c, 1, rng)
	dx := make([]float32, n*width)
	loss := func() float64 {
		var s float64
		for i, v := range u.forward(x, n) {
			s += float64(c[i] * v)
		}
		return s
	}
	backward := func() {
		for _, p := range u.params() {
			p.ZeroGrad()
		}
		loss()
		copy(dx, u.backward(append([]float32(nil), c...)))
	}
	vars := []nn.Var{{Name: "x", X: x, G: dx}}
	for _, p := range u.params() {
		vars = append(vars, nn.ParamVar(p))
	}
	if err := nn.GradCheck(loss, backward, vars, nn.GradCheckOptions{Eps: 1e-3}); err != nil {
		t.Fatal(err)
	}
}

func TestDeepCrossingGradient(t *testing.T) {
	for _, c := range []struct {
		name       string
		cats, nums int
	}{{"mixed", 3, 2}, {"categorical", 3, 0}, {"numeric", 0, 3}} {
		t.Run(c.name, func(t *testing.T) {
			l := tinyLayout(c.cats, c.nums, 4, 3)
			m, err := NewDeepCrossing(Env{Layout: l, MaxBatch: 8, Seed: 1}, DeepCrossingConfig{ResidualUnits: 2, ResidualHidden: 5, InitStd: 0.01})
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, 0.5, 2)
			checkModelGrad(t, m, tinyBatch(l, 6, 3), gradOpts{Steps: kinkSteps})
		})
	}
}

func TestDeepCrossingConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 2)
	env := Env{Layout: l, MaxBatch: 4, Seed: 7}
	for _, bad := range []string{`{"residual_units": 0}`, `{"residual_hidden": -1}`, `{"init_std": 0}`, `{"l2_emb": -1}`, `{"embedding_dim": -2}`} {
		if _, _, err := New("deepcrossing", []byte(bad), env); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	m, _, err := New("deepcrossing", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if dc := m.(*DeepCrossing); len(dc.units) != 3 || dc.units[0].d0.Out != 256 || dc.units[0].width != 2*2+1 {
		t.Fatalf("defaults: %d units of %d, width %d", len(dc.units), dc.units[0].d0.Out, dc.units[0].width)
	}
	checkSameSeedSameLogits(t, "deepcrossing", `{"residual_units": 2, "residual_hidden": 4, "init_std": 0.1}`, l)
}

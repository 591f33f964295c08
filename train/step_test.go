package train

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// One regression step of a linear Q-network (no hidden layer) under plain
// SGD moves every weight by −lr·∂L/∂w of the mean squared error, worked out
// by hand: Q = v·s + b_v + a·x + b_a, ∂L/∂Q_i = 2(Q_i − y_i)/n. A batch
// whose loss is not finite is refused with ErrDiverged and moves nothing.
func TestStepperRegression(t *testing.T) {
	s := feature.Schema{Fields: []feature.Field{
		{Name: "s", Type: feature.Numeric, Source: feature.User},
		{Name: "x0", Type: feature.Numeric, Source: feature.Item},
		{Name: "x1", Type: feature.Numeric, Source: feature.Item},
	}}
	enc, err := feature.NewEncoders(&s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := model.New("drn", []byte(`{"hidden": []}`), model.Env{Layout: model.NewLayout(enc), MaxBatch: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	q := m.(*model.QNet)
	vw, vb := q.V.Dense[0].W.W, q.V.Dense[0].B.W
	aw, ab := q.A.Dense[0].W.W, q.A.Dense[0].B.W
	copy(vw, []float32{0.5})
	copy(vb, []float32{0.1})
	copy(aw, []float32{-0.25, 1, 0.75})
	copy(ab, []float32{-0.2})
	const lr = 0.125
	opt, err := NewOptimizer(m, Config{Optimizer: optim.Spec{Rule: "sgd", LR: lr}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStepper(m, opt, Regression, 4)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][3]float64{{1, 2, -1}, {-0.5, 0, 1}, {2, 1, 1}}
	y := []float64{1, -1, 0.5}
	b := &model.Batch{N: 3, Label: []float32{1, -1, 0.5}}
	for _, r := range rows {
		b.Values = append(b.Values, float32(r[0]), float32(r[1]), float32(r[2]))
	}
	// By hand, in float64.
	var wantLoss float64
	gv, gvb, gab := 0.0, 0.0, 0.0
	ga := make([]float64, 3)
	for i, r := range rows {
		qi := 0.5*r[0] + 0.1 + (-0.25*r[0] + 1*r[1] + 0.75*r[2]) - 0.2
		e := qi - y[i]
		wantLoss += e * e / 3
		g := 2 * e / 3
		gv += g * r[0]
		gvb += g
		gab += g
		for j := range 3 {
			ga[j] += g * r[j]
		}
	}
	loss, err := st.Step(b)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-wantLoss) > 1e-6 {
		t.Errorf("loss %v, want %v", loss, wantLoss)
	}
	check := func(name string, got float32, want float64) {
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("%s = %v after the step, want %v", name, got, want)
		}
	}
	check("v", vw[0], 0.5-lr*gv)
	check("b_v", vb[0], 0.1-lr*gvb)
	for j, w0 := range []float64{-0.25, 1, 0.75} {
		check("a", aw[j], w0-lr*ga[j])
	}
	check("b_a", ab[0], -0.2-lr*gab)

	before := slices.Concat(vw, vb, aw, ab)
	b.Label[1] = float32(math.NaN())
	if loss, err := st.Step(b); !errors.Is(err, ErrDiverged) || !math.IsNaN(loss) {
		t.Errorf("NaN target: loss %v, error %v; want NaN and ErrDiverged", loss, err)
	}
	if after := slices.Concat(vw, vb, aw, ab); !slices.Equal(after, before) {
		t.Errorf("a diverged step moved the weights: %v → %v", before, after)
	}
	if _, err := NewStepper(m, opt, "ranking", 4); err == nil {
		t.Error("task ranking accepted")
	}
}

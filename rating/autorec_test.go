package rating

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// setupAutoRec lays out a model on train with random parameters (biases
// included), without training.
func setupAutoRec(t *testing.T, cfg AutoRecConfig, train *Ratings) *AutoRec {
	t.Helper()
	a, err := NewAutoRec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.setup(train)
	a.init()
	rng := nn.NewRand(cfg.Seed + 99)
	for _, l := range a.layers {
		nn.InitUniform(l.B.W, 0.5, rng)
	}
	for j := range a.B.W {
		a.B.W[j] += 3
	}
	return a
}

// refLoss is the objective computed independently in float64, straight
// from the rating list: only the listed (observed) ratings are targets.
func refLoss(a *AutoRec, train *Ratings) float64 {
	d := a.cols
	act := func(act nn.Activation, z float64) float64 {
		switch act {
		case nn.ActSigmoid:
			return 1 / (1 + math.Exp(-z))
		case nn.ActTanh:
			return math.Tanh(z)
		case nn.ActReLU:
			return math.Max(z, 0)
		}
		return z
	}
	// Input vectors, rebuilt from the list.
	in := make([][]float64, a.rows)
	for r := range in {
		in[r] = make([]float64, d)
	}
	for n, v := range train.Values {
		r, c := a.cell(train.Users[n], train.Items[n])
		in[r][c] = float64(v)
	}
	out := make([][]float64, a.rows)
	for r := range in {
		x := in[r]
		for _, l := range a.layers {
			y := make([]float64, l.Out)
			for j := range l.Out {
				z := float64(l.B.W[j])
				for i := range l.In {
					z += x[i] * float64(l.W.W[i*l.Out+j])
				}
				y[j] = act(l.Act, z)
			}
			x = y
		}
		out[r] = x
	}
	var loss float64
	for n, v := range train.Values {
		r, c := a.cell(train.Users[n], train.Items[n])
		e := out[r][c] - float64(v)
		loss += e * e
	}
	var ss float64
	for _, l := range a.layers {
		for _, w := range l.W.W {
			ss += float64(w) * float64(w)
		}
	}
	return loss + a.cfg.Lambda/2*ss
}

func TestAutoRecLossMatchesReference(t *testing.T) {
	train := randomRatings(1, 9, 7, 0.4, 1, 1)
	for _, c := range []struct {
		user     bool
		hid, out string
		layers   []int
	}{{false, "sigmoid", "identity", nil}, {true, "sigmoid", "identity", nil}, {false, "tanh", "relu", nil}, {true, "relu", "sigmoid", nil},
		{false, "sigmoid", "identity", []int{5, 3, 4}}, {true, "tanh", "sigmoid", []int{2, 6}}} {
		cfg := AutoRecConfig{UserBased: c.user, Hidden: 5, Layers: c.layers, Lambda: 0.3, HiddenAct: c.hid, OutputAct: c.out, Seed: 3}
		a := setupAutoRec(t, cfg, train)
		got, want := a.Loss(), refLoss(a, train)
		if math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Errorf("%+v: loss %v, reference %v", c, got, want)
		}
	}
}

func TestAutoRecGradCheck(t *testing.T) {
	train := randomRatings(2, 8, 6, 0.4, 0, 0)
	for _, c := range []struct {
		user     bool
		hid, out string
		layers   []int
	}{{false, "sigmoid", "identity", nil}, {true, "sigmoid", "identity", nil}, {false, "tanh", "sigmoid", nil}, {true, "sigmoid", "tanh", nil},
		{false, "sigmoid", "identity", []int{4, 3, 4}}, {true, "tanh", "relu", []int{3, 5}}} {
		t.Run(fmt.Sprintf("user=%v/%s-%s/%v", c.user, c.hid, c.out, c.layers), func(t *testing.T) {
			cfg := AutoRecConfig{UserBased: c.user, Hidden: 4, Layers: c.layers, Lambda: 0.7, HiddenAct: c.hid, OutputAct: c.out, Seed: 5}
			a := setupAutoRec(t, cfg, train)
			loss := func() float64 { return a.Loss() }
			backward := func() {
				for _, p := range a.Params() {
					p.ZeroGrad()
				}
				a.objective(a.active, 1, true)
			}
			var vars []nn.Var
			for _, p := range a.Params() {
				vars = append(vars, nn.ParamVar(p))
			}
			if err := nn.GradCheck(loss, backward, vars, nn.GradCheckOptions{Eps: 1e-2, Seed: 1}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A minibatch with scale s carries s times the penalty and its gradient;
// the batches of an epoch then sum to the full objective's gradient.
func TestAutoRecBatchesSumToFullGradient(t *testing.T) {
	train := randomRatings(3, 10, 9, 0.3, 0, 0)
	a := setupAutoRec(t, AutoRecConfig{Hidden: 6, Lambda: 0.5, Seed: 2}, train)
	grads := func() []float32 {
		var g []float32
		for _, p := range a.Params() {
			g = append(g, p.G...)
		}
		return g
	}
	zero := func() {
		for _, p := range a.Params() {
			p.ZeroGrad()
		}
	}
	zero()
	full := a.objective(a.active, 1, true)
	want := grads()
	zero()
	var sum float64
	rows := a.active
	for b0 := 0; b0 < len(rows); b0 += 3 {
		b1 := min(b0+3, len(rows))
		sum += a.objective(rows[b0:b1], float64(b1-b0)/float64(len(rows)), true)
	}
	if math.Abs(sum-full) > 1e-4*full {
		t.Errorf("batch objectives sum to %v, full objective %v", sum, full)
	}
	for j, g := range grads() {
		if math.Abs(float64(g-want[j])) > 1e-3*(1+math.Abs(float64(want[j]))) {
			t.Fatalf("gradient %d: batches %v, full %v", j, g, want[j])
		}
	}
}

func TestAutoRecPenaltyClosedForm(t *testing.T) {
	train := randomRatings(4, 6, 5, 0.5, 0, 0)
	for _, user := range []bool{false, true} {
		const lambda = 0.37
		a := setupAutoRec(t, AutoRecConfig{UserBased: user, Hidden: 3, Lambda: lambda, Seed: 8}, train)
		var ss float64
		for _, p := range []*nn.Param{a.V, a.W} {
			for _, w := range p.W {
				ss += float64(w) * float64(w)
			}
		}
		gradsAt := func(l float64) (float64, [][]float32) {
			a.cfg.Lambda = l
			for _, p := range a.Params() {
				p.ZeroGrad()
			}
			f := a.objective(a.active, 1, true)
			var g [][]float32
			for _, p := range a.Params() {
				g = append(g, slices.Clone(p.G))
			}
			return f, g
		}
		f0, g0 := gradsAt(0)
		f1, g1 := gradsAt(lambda)
		if got, want := f1-f0, lambda/2*ss; math.Abs(got-want) > 1e-5*want {
			t.Errorf("user=%v: penalty %v, closed form (λ/2)(‖W‖²+‖V‖²) = %v", user, got, want)
		}
		for j, p := range a.Params() {
			for n := range p.W {
				want := float32(0) // μ and b are not penalized
				if p == a.V || p == a.W {
					want = lambda * p.W[n]
				}
				if got := g1[j][n] - g0[j][n]; math.Abs(float64(got-want)) > 1e-5 {
					t.Fatalf("user=%v: %s[%d]: penalty gradient %v, want λ·w = %v", user, p.Name, n, got, want)
				}
			}
		}
	}
}

// Unobserved cells are no targets: a column that no training vector
// observes gets exactly zero output gradient, and the loss does not depend
// on the outputs there.
func TestAutoRecUnobservedCellsAreNoTargets(t *testing.T) {
	// One spare user: in I-AutoRec, a column nobody observes.
	train := randomRatings(5, 7, 6, 0.4, 1, 0)
	a := setupAutoRec(t, AutoRecConfig{Hidden: 4, Lambda: 0.2, Seed: 4}, train)
	spare := train.NumUsers - 1
	for _, p := range a.Params() {
		p.ZeroGrad()
	}
	before := a.objective(a.active, 1, true)
	if g := a.B.G[spare]; g != 0 {
		t.Errorf("b gradient of the unobserved column %d is %v, want 0", spare, g)
	}
	for j := range a.cfg.Hidden {
		// W's column for the spare user only sees the penalty λ·w.
		if got, want := a.W.G[j*a.cols+spare], float32(a.cfg.Lambda)*a.W.W[j*a.cols+spare]; got != want {
			t.Errorf("W[%d, %d] gradient %v, want the penalty's alone %v", j, spare, got, want)
		}
	}
	// Moving the spare column's output does not move the data term.
	a.B.W[spare] += 10
	if after := a.Loss(); after != before {
		t.Errorf("loss moved from %v to %v with the output of an unobserved column", before, after)
	}
}

func TestAutoRecUnseenFallsBackToMean(t *testing.T) {
	train := randomRatings(6, 12, 10, 0.4, 1, 1)
	for _, user := range []bool{false, true} {
		a, err := NewAutoRec(AutoRecConfig{UserBased: user, Hidden: 8, Epochs: 3, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fit(context.Background(), train, nil); err != nil {
			t.Fatal(err)
		}
		mean := a.clip(a.mean)
		spareU, spareI := int32(train.NumUsers-1), int32(train.NumItems-1)
		for _, c := range [][2]int32{{Unseen, 0}, {0, Unseen}, {Unseen, Unseen}, {spareU, 0}, {0, spareI}} {
			if got := a.Predict(c[0], c[1]); got != mean {
				t.Errorf("user=%v: Predict(%d, %d) = %v, want the training mean %v", user, c[0], c[1], got, mean)
			}
		}
		// A known pair reads the reconstruction, clipped.
		r, c := a.cell(0, 0)
		if got, want := a.Predict(0, 0), a.clip(a.recon[r*a.cols+c]); got != want {
			t.Errorf("Predict(0, 0) = %v, reconstruction %v", got, want)
		}
	}
}

func TestAutoRecDeterministic(t *testing.T) {
	train, test, _ := synthSplit(t, 3, 60, 50, 0.2)
	for _, opt := range []string{"adam", "lbfgs", "rprop"} {
		run := func(seed uint64) []float32 {
			a, err := NewAutoRec(AutoRecConfig{Hidden: 16, Epochs: 5, Optimizer: opt, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Fit(context.Background(), train, test); err != nil {
				t.Fatal(err)
			}
			out := make([]float32, test.Len())
			for k := range out {
				out[k] = a.Predict(test.Users[k], test.Items[k])
			}
			return out
		}
		p1, p2, p3 := run(7), run(7), run(8)
		for k := range p1 {
			if math.Float32bits(p1[k]) != math.Float32bits(p2[k]) {
				t.Fatalf("%s: prediction %d differs between runs with one seed: %v, %v", opt, k, p1[k], p2[k])
			}
		}
		if slices.Equal(p1, p3) {
			t.Errorf("%s: seeds 7 and 8 gave identical predictions", opt)
		}
	}
}

// On a low-rank matrix AutoRec must find structure the biases cannot.
func TestAutoRecBeatsBaselineOnSyntheticMatrix(t *testing.T) {
	train, test, _ := synthSplit(t, 11, 200, 150, 0.25)
	base, _ := NewBaseline(BaselineConfig{})
	if _, err := base.Fit(context.Background(), train, nil); err != nil {
		t.Fatal(err)
	}
	rb := Evaluate(base, test).RMSE
	for _, cfg := range []AutoRecConfig{
		{Hidden: 40, Lambda: 10, LR: 3e-3, Epochs: 60, Seed: 1},
		{Hidden: 40, Lambda: 10, Optimizer: "lbfgs", Epochs: 60, Seed: 1},
		{Hidden: 40, Lambda: 10, Optimizer: "rprop", Epochs: 100, Seed: 1},
	} {
		a, _ := NewAutoRec(cfg)
		rep, err := a.Fit(context.Background(), train, nil)
		if err != nil {
			t.Fatal(err)
		}
		ra := Evaluate(a, test).RMSE
		t.Logf("%s: baseline RMSE %.4f, I-AutoRec %.4f (%d epochs, %.2fs)", a.cfg.Optimizer, rb, ra, rep.Epochs, rep.Seconds)
		if !(ra < rb-0.03) {
			t.Errorf("%s: I-AutoRec RMSE %.4f, baseline %.4f: want at least 0.03 better", a.cfg.Optimizer, ra, rb)
		}
		if l := rep.TrainLoss; !(l[len(l)-1] < l[0]) {
			t.Errorf("%s: training objective did not decrease: %v → %v", a.cfg.Optimizer, l[0], l[len(l)-1])
		}
	}
}

func TestAutoRecConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  AutoRecConfig
		want string
	}{
		{AutoRecConfig{Hidden: -1}, "hidden size"},
		{AutoRecConfig{Layers: []int{500, 0, 500}}, "hidden layer sizes [500 0 500]"},
		{AutoRecConfig{Lambda: -1}, "λ"},
		{AutoRecConfig{Lambda: math.NaN()}, "λ"},
		{AutoRecConfig{HiddenAct: "softplus"}, "hidden activation \"softplus\""},
		{AutoRecConfig{OutputAct: "gelu"}, "output activation \"gelu\""},
		{AutoRecConfig{Optimizer: "sgd"}, "optimizer \"sgd\""},
		{AutoRecConfig{LR: -1}, "learning rate"},
		{AutoRecConfig{Batch: -2}, "batch"},
		{AutoRecConfig{Epochs: -1}, "epochs"},
		{AutoRecConfig{Optimizer: "rprop", RpropStep: -0.1}, "RProp initial step"},
		{AutoRecConfig{Optimizer: "rprop", RpropStep: 100}, "RProp initial step"},
	} {
		_, err := NewAutoRec(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.cfg, err, c.want)
		}
	}
}

func TestFitRejectsBadTrainingLog(t *testing.T) {
	a, _ := NewAutoRec(AutoRecConfig{Hidden: 2})
	if _, err := a.Fit(context.Background(), &Ratings{NumUsers: 1, NumItems: 1}, nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty log: %v", err)
	}
	bad := &Ratings{Users: []int32{0, Unseen}, Items: []int32{0, 0}, Values: []float32{3, 4}, NumUsers: 1, NumItems: 1}
	if _, err := a.Fit(context.Background(), bad, nil); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("unseen id in training: %v", err)
	}
}

// The training step and the reconstruction reuse the buffers laid out
// once per Fit.
func TestAutoRecStepDoesNotAllocate(t *testing.T) {
	train := randomRatings(7, 20, 15, 0.3, 0, 0)
	a := setupAutoRec(t, AutoRecConfig{Hidden: 8, Batch: 4, Seed: 1}, train)
	rows := a.active[:4]
	if n := testing.AllocsPerRun(5, func() { a.objective(rows, 0.1, true) }); n != 0 {
		t.Errorf("objective with gradients: %v allocations per call", n)
	}
	if n := testing.AllocsPerRun(5, a.reconstruct); n != 0 {
		t.Errorf("reconstruct: %v allocations per call", n)
	}
}

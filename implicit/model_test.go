package implicit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recforge/recforge/nn"
)

// smallConfig is a model small enough for finite differences, with
// weights large enough that every term matters.
func smallConfig(seed uint64) Config {
	return Config{Users: 5, Items: 7, Factors: 3, Layers: []int{6, 4, 3}, InitStd: 0.5, MaxBatch: 16, Seed: seed}
}

// newModel builds one of the four trainable models.
func newModel(t testing.TB, name string, cfg Config) Model {
	t.Helper()
	var m Model
	var err error
	switch name {
	case "mf":
		m, err = NewMF(cfg)
	case "gmf":
		m, err = NewGMF(cfg)
	case "mlp":
		m, err = NewMLP(cfg)
	case "neumf":
		m, err = NewNeuMF(cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// randomPairs draws n (user, item, label) triples.
func randomPairs(n, users, items int, seed uint64) ([]int32, []int32, []float32) {
	rng := rand.New(rand.NewPCG(seed, 2))
	u, it, y := make([]int32, n), make([]int32, n), make([]float32, n)
	for k := range n {
		u[k], it[k], y[k] = int32(rng.IntN(users)), int32(rng.IntN(items)), float32(rng.IntN(2))
	}
	return u, it, y
}

// The analytic gradient of the batch log loss with respect to every table
// and parameter matches central finite differences, for the whole model.
func TestGradCheck(t *testing.T) {
	for _, name := range []string{"mf", "gmf", "mlp", "neumf"} {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig(3)
			m := newModel(t, name, cfg)
			if mf, ok := m.(*MF); ok {
				// Non-zero biases, so that their gradient is checked
				// around a general point.
				nn.InitNormal(mf.B.Data, 0.5, nn.NewRand(9))
			}
			// Biases start at zero; move them off it so that their
			// gradients pass through general ReLU patterns.
			for _, p := range m.Params() {
				if len(p.Shape) == 1 {
					nn.InitNormal(p.W, 0.3, nn.NewRand(11))
				}
			}
			// Finite differences across a ReLU kink disagree with any
			// gradient: take the first batch whose ReLU inputs all lie
			// well beyond the step's reach of zero.
			var users, items []int32
			var labels []float32
			for seed := uint64(1); ; seed++ {
				users, items, labels = randomPairs(12, cfg.Users, cfg.Items, seed)
				m.Forward(users, items)
				if minReLUInput(m, len(users)) > 0.02 {
					break
				}
			}
			dlogit := make([]float32, len(users))
			loss := func() float64 {
				return nn.SigmoidLogLoss(dlogit, m.Forward(users, items), labels, nil)
			}
			backward := func() {
				for _, tb := range m.Tables() {
					tb.ZeroGrad()
				}
				for _, p := range m.Params() {
					p.ZeroGrad()
				}
				loss()
				m.Backward(dlogit)
			}
			var vars []nn.Var
			for _, tb := range m.Tables() {
				vars = append(vars, nn.TableVar(tb))
			}
			for _, p := range m.Params() {
				vars = append(vars, nn.ParamVar(p))
			}
			if err := nn.GradCheck(loss, backward, vars, nn.GradCheckOptions{Eps: 1e-3, ATol: 1e-4, RTol: 1e-2}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// minReLUInput returns the smallest |pre-activation| of the model's MLP
// tower over the last Forward's n pairs (+Inf without a tower), computed
// by hand from the tower's input.
func minReLUInput(m Model, n int) float64 {
	var p *mlpPart
	switch m := m.(type) {
	case *MLP:
		p = &m.part
	case *NeuMF:
		p = &m.mlp
	default:
		return math.Inf(1)
	}
	x := p.x[:n*2*p.dim]
	least := math.Inf(1)
	for _, d := range p.Tower.Dense {
		y := make([]float32, n*d.Out)
		for k := range n {
			for o := range d.Out {
				s := float64(d.B.W[o])
				for i := range d.In {
					s += float64(x[k*d.In+i]) * float64(d.W.W[i*d.Out+o])
				}
				least = math.Min(least, math.Abs(s))
				y[k*d.Out+o] = float32(math.Max(s, 0))
			}
		}
		x = y
	}
	return least
}

// Score, the fast batched path, gives the training logits of the same
// pairs, also across scoring chunks.
func TestScoreMatchesForward(t *testing.T) {
	cfg := Config{Users: 3, Items: scoreChunk + 500, Factors: 4, InitStd: 0.3, MaxBatch: 64, Seed: 2}
	for _, name := range []string{"mf", "gmf", "mlp", "neumf"} {
		m := newModel(t, name, cfg)
		for _, p := range m.Params() {
			if len(p.Shape) == 1 {
				nn.InitNormal(p.W, 0.2, nn.NewRand(4))
			}
		}
		items := make([]int32, cfg.Items)
		for i := range items {
			items[i] = int32(cfg.Items - 1 - i) // not in id order
		}
		scores := make([]float32, len(items))
		m.Score(2, items, scores)
		users := make([]int32, cfg.MaxBatch)
		for i := range users {
			users[i] = 2
		}
		for lo := 0; lo < len(items); lo += cfg.MaxBatch {
			hi := min(lo+cfg.MaxBatch, len(items))
			logits := m.Forward(users[:hi-lo], items[lo:hi])
			for k, z := range logits {
				if d := math.Abs(float64(z - scores[lo+k])); d > 1e-5*(1+math.Abs(float64(z))) {
					t.Fatalf("%s: item %d: Score %v, Forward %v", name, items[lo+k], scores[lo+k], z)
				}
			}
		}
	}
}

// GMF's and MLP's logits are the paper's formulas, computed here by hand
// in float64 from the weights.
func TestLogitsByHand(t *testing.T) {
	cfg := smallConfig(7)
	g, _ := NewGMF(cfg)
	g.Out.B.W[0] = 0.25
	m, _ := NewMLP(cfg)
	for _, p := range m.Params() {
		if len(p.Shape) == 1 {
			nn.InitNormal(p.W, 0.3, nn.NewRand(8))
		}
	}
	users, items, _ := randomPairs(10, cfg.Users, cfg.Items, 6)
	gz := append([]float32(nil), g.Forward(users, items)...)
	mz := append([]float32(nil), m.Forward(users, items)...)
	for k, u := range users {
		i := items[k]
		want := float64(g.Out.B.W[0])
		for f := range cfg.Factors {
			want += float64(g.Out.W.W[f]) * float64(g.part.P.Row(u)[f]) * float64(g.part.Q.Row(i)[f])
		}
		if math.Abs(float64(gz[k])-want) > 1e-5 {
			t.Errorf("GMF pair %d: logit %v, by hand %v", k, gz[k], want)
		}
		// MLP: x = [p_u; q_i], two ReLU layers (6→4→3), then h.
		x := []float64{}
		for _, v := range m.part.P.Row(u) {
			x = append(x, float64(v))
		}
		for _, v := range m.part.Q.Row(i) {
			x = append(x, float64(v))
		}
		for _, d := range m.part.Tower.Dense {
			y := make([]float64, d.Out)
			for o := range d.Out {
				s := float64(d.B.W[o])
				for in := range d.In {
					s += x[in] * float64(d.W.W[in*d.Out+o])
				}
				y[o] = math.Max(s, 0)
			}
			x = y
		}
		want = float64(m.Out.B.W[0])
		for o, v := range x {
			want += v * float64(m.Out.W.W[o])
		}
		if math.Abs(float64(mz[k])-want) > 1e-5 {
			t.Errorf("MLP pair %d: logit %v, by hand %v", k, mz[k], want)
		}
	}
}

// A NeuMF built from a pretrained GMF and MLP has, before fine-tuning, the
// logit α·z_GMF + (1−α)·z_MLP; with α = 0.5 the mean of the two.
func TestNeuMFPretrainedLogit(t *testing.T) {
	cfg := smallConfig(4)
	g, _ := NewGMF(cfg)
	m, _ := NewMLP(cfg)
	g.Out.B.W[0], m.Out.B.W[0] = 0.4, -0.3
	users, items, _ := randomPairs(16, cfg.Users, cfg.Items, 8)
	gz := append([]float32(nil), g.Forward(users, items)...)
	mz := append([]float32(nil), m.Forward(users, items)...)
	for _, alpha := range []float64{0.5, 0.2} {
		n, err := NewNeuMFPretrained(g, m, alpha, 0)
		if err != nil {
			t.Fatal(err)
		}
		nz := n.Forward(users, items)
		scores := make([]float32, 1)
		for k := range users {
			want := alpha*float64(gz[k]) + (1-alpha)*float64(mz[k])
			if math.Abs(float64(nz[k])-want) > 1e-6 {
				t.Errorf("α %v pair %d: NeuMF logit %v, want %v·%v + %v·%v = %v", alpha, k, nz[k], alpha, gz[k], 1-alpha, mz[k], want)
			}
			n.Score(users[k], items[k:k+1], scores)
			if math.Abs(float64(scores[0])-want) > 1e-6 {
				t.Errorf("α %v pair %d: NeuMF score %v, want %v", alpha, k, scores[0], want)
			}
		}
	}
	if _, err := NewNeuMFPretrained(g, m, 1.5, 0); err == nil {
		t.Error("alpha 1.5 accepted")
	}
}

// NeuMF's branches have separate embeddings: changing the GMF tables moves
// the logit by exactly the GMF term and leaves φ_MLP alone; and the NeuMF
// owns copies, so the pretrained models are untouched.
func TestNeuMFSeparateEmbeddings(t *testing.T) {
	cfg := smallConfig(5)
	g, _ := NewGMF(cfg)
	m, _ := NewMLP(cfg)
	n, err := NewNeuMFPretrained(g, m, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	users, items, _ := randomPairs(8, cfg.Users, cfg.Items, 9)
	f, w := cfg.Factors, n.mlp.width()
	before := append([]float32(nil), n.Forward(users, items)...)
	tower := append([]float32(nil), n.mlp.Tower.Forward(n.mlp.x[:len(users)*2*n.mlp.dim], len(users))...)
	gzBefore := append([]float32(nil), g.Forward(users, items)...)
	nn.InitNormal(n.gmf.P.Data, 1, nn.NewRand(12))
	nn.InitNormal(n.gmf.Q.Data, 1, nn.NewRand(13))
	after := n.Forward(users, items)
	h := n.Out.W.W
	for k, u := range users {
		var gmfTerm float64
		for j := range f {
			gmfTerm += float64(h[j]) * float64(n.gmf.P.Row(u)[j]) * float64(n.gmf.Q.Row(items[k])[j])
		}
		var mlpTerm float64
		for j := range w {
			mlpTerm += float64(h[f+j]) * float64(tower[k*w+j])
			if got := n.cat[k*(f+w)+f+j]; got != tower[k*w+j] {
				t.Fatalf("pair %d: φ_MLP[%d] moved from %v to %v when only the GMF tables changed", k, j, tower[k*w+j], got)
			}
		}
		want := gmfTerm + mlpTerm + float64(n.Out.B.W[0])
		if math.Abs(float64(after[k])-want) > 1e-5 {
			t.Errorf("pair %d: logit %v, want GMF term %v + MLP term %v + b (was %v)", k, after[k], gmfTerm, mlpTerm, before[k])
		}
	}
	for k, z := range g.Forward(users, items) {
		if z != gzBefore[k] {
			t.Fatalf("changing the NeuMF's GMF tables changed the pretrained GMF's logit %d", k)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Users: 0, Items: 3}, "users"},
		{Config{Users: 2, Items: 3, Factors: -1}, "factors"},
		{Config{Users: 2, Items: 3, Layers: []int{7, 3}}, "even"},
		{Config{Users: 2, Items: 3, Layers: []int{8}}, "hidden"},
		{Config{Users: 2, Items: 3, Layers: []int{8, 0}}, "width"},
		{Config{Users: 2, Items: 3, InitStd: -1}, "std"},
	} {
		_, err := NewNeuMF(c.cfg)
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one about %q", c.cfg, err, c.want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

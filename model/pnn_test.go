package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// pnnCfg is a tiny PNN configuration.
func pnnCfg(mode string) PNNConfig {
	return PNNConfig{Mode: mode, Hidden: []int{4, 3}, InitStd: 0.01}
}

func TestPNNGradient(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 6, 4)
	for _, product := range []PNNProduct{PNNInner, PNNOuter, PNNBoth} {
		for _, mode := range []string{"reduced", "full"} {
			t.Run(fmt.Sprintf("%v/%s", product, mode), func(t *testing.T) {
				m, err := NewPNN(Env{Layout: l, MaxBatch: 6, Seed: 2}, product, pnnCfg(mode))
				if err != nil {
					t.Fatal(err)
				}
				randomize(m, 0.5, 5)
				checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps})
			})
		}
	}
}

func TestPNNGradientWithDropoutAndBatchNorm(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 8, 4)
	for _, c := range []struct {
		name     string
		mode     string
		dropout  float64
		bn       bool
		training bool
	}{
		{"dropout training", "reduced", 0.3, false, true},
		{"dropout inference", "full", 0.3, false, false},
		{"batch norm training", "full", 0, true, true},
		{"batch norm and dropout training", "reduced", 0.2, true, true},
		{"batch norm inference", "reduced", 0, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := pnnCfg(c.mode)
			cfg.Dropout, cfg.BatchNorm = c.dropout, c.bn
			m, err := NewPNN(Env{Layout: l, MaxBatch: 8, Seed: 2}, PNNBoth, cfg)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, 0.5, 6)
			if c.bn { // γ near 1 keeps the normalised layer well scaled
				for _, p := range Params(m) {
					if strings.HasSuffix(p.Name, ".gamma") {
						for i := range p.W {
							p.W[i] += 1
						}
					}
				}
			}
			m.SetTraining(c.training)
			checkModelGrad(t, fixedMasks{m, 9}, b, gradOpts{Steps: kinkSteps})
		})
	}
}

func TestPNNDropoutAndBuffers(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	cfg := pnnCfg("reduced")
	cfg.Dropout, cfg.BatchNorm = 0.5, true
	m, err := NewPNN(Env{Layout: l, MaxBatch: 16, Seed: 2}, PNNInner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkReseedReplaysMasks(t, m, tinyBatch(l, 16, 4))
	// l_1 and the one further hidden layer have running statistics.
	bufs := m.Buffers()
	if len(bufs) != 6 || bufs[0].Name != "ipnn.bn.0.running_mean" || len(bufs[0].W) != 4 || len(bufs[2].W) != 1 || len(bufs[3].W) != 3 {
		t.Fatalf("buffers %v", bufs)
	}
	plain, _ := NewPNN(Env{Layout: l, MaxBatch: 2}, PNNInner, pnnCfg("reduced"))
	if len(plain.Buffers()) != 0 {
		t.Fatal("buffers without batch_norm")
	}
}

// TestPNNReducedInnerIsFullInnerWithRankOneKernel builds a reduced and a
// full IPNN with the same embeddings and W_z, and sets the full model's
// kernel on the pair products to the θθᵀ of the reduced one. The paper's
// reduced form sums over all i, j:
//
//	‖Σ_i θ_i f_i‖² = Σ_i θ_i²‖f_i‖² + Σ_{i<j} 2θ_iθ_j ⟨f_i, f_j⟩
//
// so the full form with W_ij = 2θ_iθ_j must equal it less the diagonal
// Σ_i θ_i²‖f_i‖², computed here from the table.
func TestPNNReducedInnerIsFullInnerWithRankOneKernel(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	env := Env{Layout: l, MaxBatch: 5, Seed: 3}
	red, err := NewPNN(env, PNNInner, pnnCfg("reduced"))
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewPNN(env, PNNInner, pnnCfg("full"))
	if err != nil {
		t.Fatal(err)
	}
	randomize(red, 0.5, 6)
	copy(full.table.Data, red.table.Data)
	F, k, D := red.fields, red.dim, red.d1
	P := nn.NumPairs(F)
	theta := red.ipr.Theta.W // D×F
	copy(full.lz.B.W, red.lz.B.W)
	for r := range F * k { // W_z rows are shared
		copy(full.lz.W.W[r*D:(r+1)*D], red.lz.W.W[r*D:(r+1)*D])
	}
	for p := range P {
		i, j := nn.PairFields(F, p)
		for d := range D {
			full.lz.W.W[(F*k+p)*D+d] = 2 * theta[d*F+i] * theta[d*F+j]
		}
	}
	b := tinyBatch(l, 5, 7)
	red.Forward(b)
	full.Forward(b)
	for r := range b.N {
		for d := range D {
			var diag float64
			for i := range F {
				id, v := b.IDs[r*F+i], float64(b.Values[r*F+i])
				if id == 0 {
					continue
				}
				var sq float64
				for _, w := range red.table.Row(id) {
					sq += float64(w) * float64(w) * v * v
				}
				th := float64(theta[d*F+i])
				diag += th * th * sq
			}
			got, want := float64(red.pre[r*D+d]), float64(full.pre[r*D+d])+diag
			if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
				t.Errorf("row %d output %d: reduced l_1 pre-activation %v, full %v + diagonal %v", r, d, got, full.pre[r*D+d], diag)
			}
		}
	}
}

// TestPNNStarAddsBothSignals checks that PNN*'s first layer is W_z·z + b_1
// plus the inner and the outer contributions, in both modes.
func TestPNNStarAddsBothSignals(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	b := tinyBatch(l, 4, 8)
	for _, mode := range []string{"reduced", "full"} {
		env := Env{Layout: l, MaxBatch: 4, Seed: 9}
		both, err := NewPNN(env, PNNBoth, pnnCfg(mode))
		if err != nil {
			t.Fatal(err)
		}
		in, _ := NewPNN(env, PNNInner, pnnCfg(mode))
		out, _ := NewPNN(env, PNNOuter, pnnCfg(mode))
		randomize(both, 0.5, 10)
		for _, m := range []*PNN{in, out} {
			copy(m.table.Data, both.table.Data)
			copy(m.lz.B.W, both.lz.B.W)
			copy(m.lz.W.W, both.lz.W.W[:len(m.lz.W.W)])
		}
		if mode == "reduced" {
			copy(in.ipr.Theta.W, both.ipr.Theta.W)
			copy(out.opr.Kernel.W, both.opr.Kernel.W)
		} else {
			copy(in.lz.W.W, both.lz.W.W) // [W_z; W_p], same layout
			copy(out.op.Kernel.W, both.op.Kernel.W)
		}
		both.Forward(b)
		in.Forward(b)
		out.Forward(b)
		// in and out each hold W_z·z + b_1 (plus, full, the inner part in
		// the first layer's extra rows): remove it once.
		lz := make([]float32, b.N*both.d1)
		z := slices.Clone(both.emb.Forward(b.IDs, b.Values, b.N))
		F, k, D := both.fields, both.dim, both.d1
		for r := range b.N {
			for d := range D {
				s := both.lz.B.W[d]
				for c := range F * k {
					s += z[r*F*k+c] * both.lz.W.W[c*D+d]
				}
				lz[r*D+d] = s
			}
		}
		for i := range lz {
			want := in.pre[i] + out.pre[i] - lz[i]
			if math.Abs(float64(both.pre[i]-want)) > 1e-5 {
				t.Errorf("%s: PNN* pre-activation %d = %v, want %v", mode, i, both.pre[i], want)
			}
		}
	}
}

func TestPNNRegistryAndConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 2)
	env := Env{Layout: l, MaxBatch: 4, Seed: 1}
	for name, want := range map[string]PNNProduct{"ipnn": PNNInner, "opnn": PNNOuter, "pnn": PNNBoth} {
		m, js, err := New(name, nil, env)
		if err != nil {
			t.Fatal(err)
		}
		p := m.(*PNN)
		if p.product != want || (p.ipr == nil) != (want == PNNOuter) || (p.opr == nil) != (want == PNNInner) || p.ip != nil || p.op != nil {
			t.Errorf("%s: built %v with layers ipr %v opr %v ip %v op %v", name, p.product, p.ipr != nil, p.opr != nil, p.ip != nil, p.op != nil)
		}
		if p.d1 != 400 || p.tower.width != 400 || len(p.tower.params) != 4 || p.l1.drop != nil || p.l1.norm != nil {
			t.Errorf("%s: defaults D1 %d, resolved %s", name, p.d1, js)
		}
		m, _, err = New(name, []byte(`{"mode": "full", "hidden": [3]}`), env)
		if err != nil {
			t.Fatal(err)
		}
		if p := m.(*PNN); p.ipr != nil || p.opr != nil || (p.ip == nil) != (want == PNNOuter) || (p.op == nil) != (want == PNNInner) {
			t.Errorf("%s full: wrong layers", name)
		}
		for _, bad := range []string{`{"mode": "half"}`, `{"dropout": 1}`, `{"hidden": []}`, `{"hidden": [4, 0]}`, `{"init_std": -1}`, `{"l2_emb": -0.1}`} {
			if _, _, err := New(name, []byte(bad), env); err == nil {
				t.Errorf("%s: %s accepted", name, bad)
			}
		}
	}
	if _, err := NewPNN(Env{Layout: tinyLayout(1, 0, 3, 2), MaxBatch: 2}, PNNInner, pnnCfg("reduced")); err == nil {
		t.Error("one field accepted")
	}
	checkSameSeedSameLogits(t, "pnn", `{"mode": "full", "hidden": [4, 3], "dropout": 0.3, "batch_norm": true}`, l)
}

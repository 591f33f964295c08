package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// dcnCfg is a tiny DCN configuration.
func dcnCfg(cross string) DCNConfig {
	return DCNConfig{Cross: cross, CrossLayers: 2, Hidden: []int{5, 4}, InitStd: 0.01}
}

// TestDCNCrossResidual checks the "+ x_l" residual: with every w_l (W_l)
// and b_l zero, each layer returns its input, so the cross network's
// output x_L1 is x0.
func TestDCNCrossResidual(t *testing.T) {
	l := tinyLayout(3, 2, 4, 2)
	b := tinyBatch(l, 5, 1)
	for _, v := range []string{"v1", "v2"} {
		m, err := NewDCN(Env{Layout: l, MaxBatch: 5, Seed: 1}, DCNConfig{Cross: v, CrossLayers: 3, Hidden: []int{4}, InitStd: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		clear(m.cross.W.W)
		clear(m.cross.B.W)
		x0 := m.stack.forward(b)
		xL := m.cross.Forward(x0, b.N)
		d := m.cross.Dim
		for i := range b.N {
			got := xL[i*d : (i+1)*d]
			if !slices.Equal(got, x0[i*d:(i+1)*d]) {
				t.Fatalf("%s: row %d: x_L %v, want x0 %v", v, i, got, x0[i*d:(i+1)*d])
			}
		}
	}
}

// TestDCNCrossLayerByHand checks one v1 layer, x1 = x0·(x0ᵀw) + b + x0,
// and one v2 layer, x1 = x0 ⊙ (x0·W + b) + x0, against explicit sums.
func TestDCNCrossLayerByHand(t *testing.T) {
	l := tinyLayout(2, 1, 3, 2)
	b := tinyBatch(l, 3, 2)
	for _, v := range []string{"v1", "v2"} {
		m, err := NewDCN(Env{Layout: l, MaxBatch: 3, Seed: 2}, DCNConfig{Cross: v, CrossLayers: 1, Hidden: []int{2}, InitStd: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		randomize(m, 0.5, 3)
		x0 := m.stack.forward(b)
		xL := m.cross.Forward(x0, b.N)
		d := m.cross.Dim
		for i := range b.N {
			x := x0[i*d : (i+1)*d]
			for j := range d {
				var want float64
				if v == "v1" {
					var s float64
					for c := range d {
						s += float64(x[c]) * float64(m.cross.W.W[c])
					}
					want = float64(x[j])*s + float64(m.cross.B.W[j]) + float64(x[j])
				} else {
					z := float64(m.cross.B.W[j])
					for c := range d {
						z += float64(x[c]) * float64(m.cross.W.W[c*d+j])
					}
					want = float64(x[j])*z + float64(x[j])
				}
				if got := float64(xL[i*d+j]); math.Abs(got-want) > 1e-5 {
					t.Errorf("%s: row %d x1[%d] = %v, want %v", v, i, j, got, want)
				}
			}
		}
	}
}

func TestDCNGradient(t *testing.T) {
	for _, c := range []struct {
		name  string
		cross string
		l     Layout
	}{
		{"v1", "v1", tinyLayout(3, 2, 4, 2)},
		{"v2", "v2", tinyLayout(3, 2, 4, 2)},
		{"v1 categorical", "v1", tinyLayout(3, 0, 4, 2)},
		{"v2 numeric", "v2", tinyLayout(0, 3, 1, 2)},
		{"v1 dropout", "v1", tinyLayout(3, 2, 4, 2)},
		{"v2 batch norm and dropout", "v2", tinyLayout(3, 2, 4, 2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := dcnCfg(c.cross)
			if strings.Contains(c.name, "dropout") {
				cfg.Dropout = 0.3
			}
			cfg.BatchNorm = strings.Contains(c.name, "batch norm")
			m, err := NewDCN(Env{Layout: c.l, MaxBatch: 6, Seed: 3}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, 0.5, 5)
			// Training mode, with the masks fixed across loss evaluations.
			checkModelGrad(t, fixedMasks{m, 4}, tinyBatch(c.l, 6, 5), gradOpts{Steps: kinkSteps})
		})
	}
}

func TestDCNDropoutAndBuffers(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	cfg := dcnCfg("v1")
	cfg.Dropout, cfg.BatchNorm = 0.5, true
	m, err := NewDCN(Env{Layout: l, MaxBatch: 16, Seed: 2}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkReseedReplaysMasks(t, m, tinyBatch(l, 16, 4))
	if bufs := m.Buffers(); len(bufs) != 6 || bufs[3].Name != "dcn.mlp.bn.1.running_mean" || bufs[5].Name != "dcn.mlp.bn.1.batches" || !bufs[5].Optional {
		t.Fatalf("buffers %v", bufs)
	}
}

func TestDCNConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 2)
	env := Env{Layout: l, MaxBatch: 2, Seed: 1}
	for _, bad := range []string{`{"dropout": 1.5}`, `{"cross": "v3"}`, `{"cross_layers": 0}`, `{"hidden": []}`, `{"hidden": [0]}`, `{"l2_emb": -1}`, `{"init_std": 0}`} {
		if _, _, err := New("dcn", []byte(bad), env); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	m, _, err := New("dcn", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if d := m.(*DCN); d.cross.Version != nn.CrossV1 || d.cross.Layers != 3 || d.cross.Dim != 2*2+1 {
		t.Errorf("defaults: cross %v × %d over %d", d.cross.Version, d.cross.Layers, d.cross.Dim)
	}
	checkSameSeedSameLogits(t, "dcn", `{"cross": "v2", "hidden": [5, 4], "batch_norm": true, "dropout": 0.2}`, l)
}

// TestDCNLogitOverConcatenation checks the output layer, which never
// assembles [x_L1; h_L2]: the logits equal w_outᵀ[x_L1; h_L2] + b_out summed
// explicitly from the materialized x_L1 (both cross versions).
func TestDCNLogitOverConcatenation(t *testing.T) {
	l := tinyLayout(3, 2, 4, 2)
	b := tinyBatch(l, 6, 4)
	for _, v := range []string{"v1", "v2"} {
		m, err := NewDCN(Env{Layout: l, MaxBatch: 6, Seed: 5}, DCNConfig{Cross: v, CrossLayers: 2, Hidden: []int{5, 3}, InitStd: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		randomize(m, 0.5, 6)
		got := append([]float32(nil), m.Forward(b)...)
		x0 := m.stack.forward(b)
		xL := append([]float32(nil), m.cross.Forward(x0, b.N)...)
		h := m.tower.forward(x0, b.N)
		d, H := m.cross.Dim, m.tower.width
		for i := range b.N {
			want := float64(m.outB.W[0])
			for j := range d {
				want += float64(m.outW.W[j]) * float64(xL[i*d+j])
			}
			for j := range H {
				want += float64(m.outW.W[d+j]) * float64(h[i*H+j])
			}
			if math.Abs(float64(got[i])-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("%s: row %d logit %v, w_outᵀ[x_L; h] + b = %v", v, i, got[i], want)
			}
		}
	}
}

package model

import (
	"testing"
)

func TestFMMatchesBruteForcePairs(t *testing.T) {
	l := tinyLayout(3, 2, 4, 3) // padding ids and numeric values in the batch
	m, err := NewFM(Env{Layout: l, MaxBatch: 32, Seed: 1}, FMConfig{InitStd: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.7, 2)
	b := tinyBatch(l, 32, 3)
	got := m.Forward(b)
	f := len(l.Slots)
	for i := range b.N {
		// Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j, pair by pair.
		var pair float64
		for p := range f {
			ep := rowEmbedding(m.base.v, b.IDs[i*f+p], b.Values[i*f+p])
			for q := p + 1; q < f; q++ {
				eq := rowEmbedding(m.base.v, b.IDs[i*f+q], b.Values[i*f+q])
				for d := range ep {
					pair += ep[d] * eq[d]
				}
			}
		}
		want := firstOrder(m.base.lin, b, i) + pair
		if !closeTo(float64(got[i]), want, 1e-5) {
			t.Errorf("row %d: logit %v, brute force %v", i, got[i], want)
		}
	}
}

func TestFMGradient(t *testing.T) {
	l := tinyLayout(3, 2, 4, 3)
	m, err := NewFM(Env{Layout: l, MaxBatch: 16, Seed: 1}, FMConfig{InitStd: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.5, 4)
	checkModelGrad(t, m, tinyBatch(l, 16, 5), gradOpts{})
}

func TestFMConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	env := Env{Layout: l, MaxBatch: 4}
	_, err := NewFM(env, FMConfig{InitStd: 0.01, L2V: -1})
	checkConfigError(t, err, "l2_v")
	_, err = NewFM(env, FMConfig{InitStd: 0.01, L2W: -1})
	checkConfigError(t, err, "l2_w")

	m, err := NewFM(env, FMConfig{EmbeddingDim: 6, InitStd: 0.01, L2W: 0.1, L2V: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if m.base.v.Dim != 6 {
		t.Fatalf("embedding_dim 6 gave width %d", m.base.v.Dim)
	}
	parts := m.Parts()
	if len(parts) != 1 || len(parts[0].Tables) != 2 {
		t.Fatalf("parts %+v", parts)
	}
	for _, pt := range parts[0].Tables {
		want := float32(0.1)
		if pt.Table == m.base.v {
			want = 0.2
		}
		if pt.Reg.L2 != want {
			t.Errorf("table %s: L2 %v, want %v", pt.Table.Name, pt.Reg.L2, want)
		}
	}
	_, js, err := ResolveConfig("fm", nil)
	if err != nil || string(js) != `{"embedding_dim":0,"l2_w":0,"l2_v":0,"init_std":0.01}` {
		t.Fatalf("defaults %s, %v", js, err)
	}
}

func TestFMDeterministic(t *testing.T) {
	checkSameSeedSameLogits(t, "fm", "", tinyLayout(3, 1, 5, 4))
}

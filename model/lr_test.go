package model

import (
	"math"
	"testing"
)

func TestLRForwardByHand(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	m := NewLR(Env{Layout: l, MaxBatch: 2}, LRConfig{})
	// ids: field a rows 1..3, field b rows 4..6, numeric c row 7.
	for r, w := range map[int32]float32{1: 0.5, 2: -1, 5: 2, 7: 3} {
		m.lin.w.Row(r)[0] = w
	}
	m.lin.bias.W[0] = 0.25
	b := &Batch{N: 2, IDs: []int32{1, 5, 7, 2, 0, 7}, Values: []float32{1, 1, 0.5, 1, 1, -2}}
	got := m.Forward(b)
	want := []float32{0.25 + 0.5 + 2 + 3*0.5, 0.25 - 1 + 0 + 3*-2} // padding id 0 adds nothing
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Errorf("row %d: logit %v, want %v", i, got[i], want[i])
		}
	}
}

func TestLRGradient(t *testing.T) {
	l := tinyLayout(3, 2, 4, 1)
	m := NewLR(Env{Layout: l, MaxBatch: 16}, LRConfig{})
	randomize(m, 0.5, 1)
	checkModelGrad(t, m, tinyBatch(l, 16, 2), gradOpts{})
}

func TestRegistryResolvesDefaultsAndRejectsUnknownFields(t *testing.T) {
	_, js, err := ResolveConfig("lr", []byte(`{"l2": 0.5}`))
	if err != nil || string(js) != `{"l2":0.5}` {
		t.Fatalf("resolved %s, %v", js, err)
	}
	if _, _, err := ResolveConfig("lr", []byte(`{"l3": 1}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
	if _, _, err := ResolveConfig("nope", nil); err == nil {
		t.Fatal("unknown model accepted")
	}
}

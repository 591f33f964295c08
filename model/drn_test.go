package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
)

// The whole dueling network's analytic gradient agrees with central finite
// differences on every weight of both towers, for both activations.
func TestQNetGradCheck(t *testing.T) {
	for _, act := range []string{"tanh", "relu"} {
		l := policyLayout(4, 5)
		m, _, err := New("drn", []byte(`{"hidden": [6, 3], "activation": "`+act+`"}`), Env{Layout: l, MaxBatch: 8, Seed: 3, MemoryLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		randomize(m, 0.6, 4) // non-zero biases, so that every weight matters
		checkModelGrad(t, m, tinyBatch(l, 7, 5), gradOpts{Steps: kinkSteps})
	}
}

// Q = V(state fields) + A(whole row), with the state fields found by their
// source wherever they sit in the row: changing only action fields leaves
// the value tower's output alone, and V + A is what Forward returns.
func TestQNetDuelingSplit(t *testing.T) {
	l := policyLayout(3, 3)
	// Interleave the sides: item, user, item, user, user, item.
	for i, src := range []feature.Source{feature.Item, feature.User, feature.Item, feature.User, feature.User, feature.Item} {
		l.Slots[i].Source = src
	}
	m, _, err := New("drn", []byte(`{"hidden": [4]}`), Env{Layout: l, MaxBatch: 2, Seed: 5, MemoryLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	q := m.(*QNet)
	// Two rows with the same state fields (1, 3, 4) and different actions.
	x := []float32{1, 0.3, 0, -0.2, 0.7, 0.5, -1, 0.3, 2, -0.2, 0.7, 0.1}
	out := slices.Clone(q.Forward(&Batch{N: 2, Values: x}))
	v := q.V.Forward([]float32{0.3, -0.2, 0.7, 0.3, -0.2, 0.7}, 2)
	if v[0] != v[1] {
		t.Fatalf("value tower differs for equal states: %v", v)
	}
	v0 := v[0]
	a := q.A.Forward(x, 2)
	for i := range 2 {
		if math.Abs(float64(out[i]-(v0+a[i]))) > 1e-6 {
			t.Errorf("row %d: Q = %v, V + A = %v", i, out[i], v0+a[i])
		}
	}
}

// A layout the Q-network cannot read is refused with what is wrong.
func TestQNetBadLayout(t *testing.T) {
	noAction := policyLayout(3, 0)
	noState := policyLayout(0, 3)
	categorical := tinyLayout(1, 2, 10, 8)
	for _, c := range []struct {
		l    Layout
		want string
	}{
		{noAction, "no action field"},
		{noState, "no state field"},
		{categorical, `field "a" is not a plain numeric field`},
		{seqLayout(20, 3, 4, 4), "numeric fields only"},
	} {
		_, _, err := New("drn", nil, Env{Layout: c.l, MaxBatch: 4, MemoryLimit: -1})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
	if _, _, err := New("drn", []byte(`{"activation": "prelu"}`), Env{Layout: policyLayout(2, 2), MaxBatch: 4, MemoryLimit: -1}); err == nil ||
		!strings.Contains(err.Error(), `activation = "prelu"`) {
		t.Errorf("activation prelu: %v", err)
	}
}

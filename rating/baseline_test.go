package rating

import (
	"context"
	"math"
	"strings"
	"testing"
)

// tiny is users {0, 1} × items {0, 1} with ratings (0,0)=5, (0,1)=3,
// (1,0)=4 and one more user and item known to the index but unrated.
func tiny() *Ratings {
	return &Ratings{
		Users: []int32{0, 0, 1}, Items: []int32{0, 1, 0}, Values: []float32{5, 3, 4},
		NumUsers: 3, NumItems: 3,
	}
}

func TestBaselineOnePassByHand(t *testing.T) {
	// μ = 4, λ_u = λ_i = 1. Items first, from b_u = 0:
	//   b_i0 = ((5−4) + (4−4)) / (1+2) = 1/3,  b_i1 = (3−4) / (1+1) = −1/2;
	// then users, given those:
	//   b_u0 = ((5−4−1/3) + (3−4+1/2)) / (1+2) = 1/18,  b_u1 = (4−4−1/3) / (1+1) = −1/6.
	b, err := NewBaseline(BaselineConfig{RegUser: 1, RegItem: 1, Passes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Fit(context.Background(), tiny(), nil); err != nil {
		t.Fatal(err)
	}
	mu, bu, bi := b.Biases()
	near := func(name string, got float32, want float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("μ", mu, 4)
	near("b_i0", bi[0], 1.0/3)
	near("b_i1", bi[1], -0.5)
	near("b_u0", bu[0], 1.0/18)
	near("b_u1", bu[1], -1.0/6)
	near("r̂(1,1)", b.Predict(1, 1), 4-1.0/6-0.5)
	// Fallbacks: the biases that exist. User 2 and item 2 are known ids
	// without ratings, treated like unseen ones.
	near("r̂(unseen, 0)", b.Predict(Unseen, 0), 4+1.0/3)
	near("r̂(0, unseen)", b.Predict(0, Unseen), 4+1.0/18)
	near("r̂(2, 2)", b.Predict(2, 2), 4)
	near("r̂(unseen, unseen)", b.Predict(Unseen, Unseen), 4)
}

// After enough passes the biases satisfy the optimality conditions of the
// regularized least-squares objective: for every item,
// Σ_u (r − μ − b_u − b_i) = λ_i b_i, and likewise for every user.
func TestBaselineConvergesToStationaryPoint(t *testing.T) {
	r := randomRatings(9, 30, 20, 0.3, 0, 0)
	const lu, li = 3.0, 7.0
	b, _ := NewBaseline(BaselineConfig{RegUser: lu, RegItem: li, Passes: 300})
	if _, err := b.Fit(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	mu, bu, bi := b.Biases()
	gu, gi := make([]float64, r.NumUsers), make([]float64, r.NumItems)
	for k, v := range r.Values {
		e := float64(v) - float64(mu) - float64(bu[r.Users[k]]) - float64(bi[r.Items[k]])
		gu[r.Users[k]] += e
		gi[r.Items[k]] += e
	}
	for u, g := range gu {
		if d := g - lu*float64(bu[u]); math.Abs(d) > 1e-4 {
			t.Fatalf("user %d: residual sum %v ≠ λ_u b_u = %v", u, g, lu*float64(bu[u]))
		}
	}
	for i, g := range gi {
		if d := g - li*float64(bi[i]); math.Abs(d) > 1e-4 {
			t.Fatalf("item %d: residual sum %v ≠ λ_i b_i = %v", i, g, li*float64(bi[i]))
		}
	}
}

func TestBaselineClipsToTrainingRange(t *testing.T) {
	// Two users who rate everything 5 and 1 is not enough to push past the
	// range; a rating of 5 by the top user on the top item with λ = 0 is.
	r := &Ratings{Users: []int32{0, 0, 1, 1}, Items: []int32{0, 1, 0, 1}, Values: []float32{5, 5, 2, 5}, NumUsers: 2, NumItems: 2}
	b, _ := NewBaseline(BaselineConfig{RegUser: 1e-9, RegItem: 1e-9, Passes: 50})
	if _, err := b.Fit(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	mu, bu, bi := b.Biases()
	raw := mu + bu[0] + bi[1]
	if !(raw > 5) {
		t.Fatalf("setup: unclipped r̂(0,1) = %v, expected above 5", raw)
	}
	if got := b.Predict(0, 1); got != 5 {
		t.Errorf("r̂(0,1) = %v, want clipped to 5", got)
	}
}

func TestBaselineConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  BaselineConfig
		want string
	}{
		{BaselineConfig{RegUser: -1}, "λ_u"},
		{BaselineConfig{RegItem: math.NaN()}, "λ_i"},
		{BaselineConfig{Passes: -3}, "passes"},
	} {
		if _, err := NewBaseline(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.cfg, err, c.want)
		}
	}
}

package rating

import (
	"math/rand/v2"
	"testing"

	"github.com/recforge/recforge/synth"
)

// randomRatings returns a log over users×items with each cell observed
// with probability p and integer ratings 1..5, every user and item with at
// least one rating unless spare ids are asked for: spareUsers and
// spareItems ids at the end get none (known to the index, never rated).
func randomRatings(seed uint64, users, items int, p float64, spareUsers, spareItems int) *Ratings {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := &Ratings{NumUsers: users + spareUsers, NumItems: items + spareItems}
	add := func(u, i int) {
		r.Users = append(r.Users, int32(u))
		r.Items = append(r.Items, int32(i))
		r.Values = append(r.Values, float32(1+rng.IntN(5)))
	}
	for u := range users {
		for i := range items {
			if u == i%users || i == u%items || rng.Float64() < p {
				add(u, i)
			}
		}
	}
	return r
}

// synthSplit generates a low-rank synthetic matrix and splits it 80/20.
func synthSplit(t *testing.T, seed uint64, users, items int, density float64) (train, test *Ratings, m *synth.Matrix) {
	t.Helper()
	m, err := synth.NewMatrix(synth.MatrixConfig{Seed: seed, Users: users, Items: items, Rank: 4, Density: density, Noise: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	raw := &Raw{}
	for k := range m.Users {
		raw.Append(int64(m.Users[k])+1, int64(m.Items[k])+1, float32(m.Ratings[k]))
	}
	all := NewIndex(raw).Encode(raw)
	train, test, err = all.Split(0.2, seed)
	if err != nil {
		t.Fatal(err)
	}
	return train, test, m
}

package simulator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Run drives policy p through env until the horizon, asking for slates of
// k items, and returns the environment's final Stats.
func Run(env Env, p Policy, k int) (Stats, error) {
	if k < 1 {
		return Stats{}, fmt.Errorf("simulator: slate size k must be at least 1, got %d", k)
	}
	for {
		req, ok := env.Next()
		if !ok {
			return env.Stats(), nil
		}
		slate := p.Rank(req, k)
		if len(slate) > k {
			return Stats{}, fmt.Errorf("simulator: policy returned %d items for a slate of %d", len(slate), k)
		}
		fb, err := env.Respond(req, slate)
		if err != nil {
			return Stats{}, err
		}
		p.Observe(req, slate, fb)
	}
}

// RandomPolicy shows k candidates drawn uniformly without replacement.
type RandomPolicy struct{ rng *rand.Rand }

// NewRandomPolicy returns a seeded RandomPolicy.
func NewRandomPolicy(seed uint64) *RandomPolicy {
	return &RandomPolicy{rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// Rank implements Policy.
func (p *RandomPolicy) Rank(req Request, k int) []int32 {
	n := len(req.Items)
	k = min(k, n)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	for i := 0; i < k; i++ {
		j := i + p.rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:k:k]
}

// Observe implements Policy; a random policy learns nothing.
func (p *RandomPolicy) Observe(Request, []int32, Feedback) {}

// PopularityPolicy ranks candidates by their recent clicks: each item's
// click count decays with a half-life in simulated hours. Ties (new items
// with no clicks yet, most of the pool) are broken at random so that new
// items get shown at all.
type PopularityPolicy struct {
	halfLife float64
	score    map[int32]popScore
	rng      *rand.Rand
	keys     []float64
	idx      []int32
}

type popScore struct {
	v, t float64 // decayed clicks as of time t
}

// NewPopularityPolicy returns a PopularityPolicy with the given half-life
// (hours, > 0) and tie-breaking seed.
func NewPopularityPolicy(halfLife float64, seed uint64) (*PopularityPolicy, error) {
	if !(halfLife > 0) || math.IsInf(halfLife, 0) {
		return nil, fmt.Errorf("simulator: popularity half-life must be a positive finite number of hours, got %v", halfLife)
	}
	return &PopularityPolicy{halfLife: halfLife, score: map[int32]popScore{}, rng: rand.New(rand.NewPCG(seed, 0x909))}, nil
}

func (p *PopularityPolicy) at(id int32, t float64) float64 {
	s, ok := p.score[id]
	if !ok {
		return 0
	}
	return s.v * math.Exp2(-(t-s.t)/p.halfLife)
}

// Rank implements Policy.
func (p *PopularityPolicy) Rank(req Request, k int) []int32 {
	n := len(req.Items)
	p.keys = p.keys[:0]
	p.idx = p.idx[:0]
	for i, it := range req.Items {
		p.keys = append(p.keys, p.at(it.ID, req.Time))
		p.idx = append(p.idx, int32(i))
	}
	// Shuffle first, then a stable sort by score: equal scores end up in random order.
	p.rng.Shuffle(n, func(a, b int) { p.idx[a], p.idx[b] = p.idx[b], p.idx[a] })
	slices.SortStableFunc(p.idx, func(a, b int32) int {
		switch ka, kb := p.keys[a], p.keys[b]; {
		case ka > kb:
			return -1
		case ka < kb:
			return 1
		}
		return 0
	})
	return slices.Clone(p.idx[:min(k, n)])
}

// Observe implements Policy: every click adds one to its item's score.
func (p *PopularityPolicy) Observe(req Request, slate []int32, fb Feedback) {
	for pos, c := range fb.Clicks {
		if c {
			id := req.Items[slate[pos]].ID
			p.score[id] = popScore{v: p.at(id, req.Time) + 1, t: req.Time}
		}
	}
}

// OraclePolicy ranks candidates by their true click probabilities, the best
// any policy can do for one slate on its own (it ignores the effect of a
// slate on the user's return).
type OraclePolicy struct {
	o    Oracle
	err  error
	idx  []int32
	prob []float64
}

// NewOraclePolicy returns the oracle of an environment with a known model.
func NewOraclePolicy(o Oracle) *OraclePolicy { return &OraclePolicy{o: o} }

// Rank implements Policy. If the oracle refuses (a request that is not the
// outstanding one), it returns an empty slate and keeps the error for Err.
func (p *OraclePolicy) Rank(req Request, k int) []int32 {
	probs, err := p.o.TrueProbs(req)
	if err != nil {
		p.err = err
		return nil
	}
	p.idx = p.idx[:0]
	for i := range probs {
		p.idx = append(p.idx, int32(i))
	}
	slices.SortStableFunc(p.idx, func(a, b int32) int {
		switch pa, pb := probs[a], probs[b]; {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return 0
	})
	return slices.Clone(p.idx[:min(k, len(probs))])
}

// Observe implements Policy; the oracle needs no feedback.
func (p *OraclePolicy) Observe(Request, []int32, Feedback) {}

// Err returns the first error the oracle reported, if any.
func (p *OraclePolicy) Err() error { return p.err }

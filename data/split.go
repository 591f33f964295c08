package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// RandomSplit shuffles the row indices 0..n-1 with a seeded generator and
// cuts them into len(ratios) parts of proportional sizes (the ratios are
// normalized by their sum; rounding leaves any remainder to the last part).
// Each part is in shuffled order.
func RandomSplit(n int, ratios []float64, seed uint64) ([][]int32, error) {
	if err := checkRatios(ratios); err != nil {
		return nil, err
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed5911))
	rng.Shuffle(n, func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	return cut(idx, ratios), nil
}

// TimeSplit orders the rows by time (ties by row index) and cuts them into
// parts of proportional sizes, earliest first: training on the past and
// testing on the future.
func TimeSplit(times []int64, ratios []float64) ([][]int32, error) {
	if err := checkRatios(ratios); err != nil {
		return nil, err
	}
	idx := make([]int32, len(times))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		switch {
		case times[a] < times[b]:
			return -1
		case times[a] > times[b]:
			return 1
		}
		return 0
	})
	return cut(idx, ratios), nil
}

func checkRatios(ratios []float64) error {
	if len(ratios) == 0 {
		return fmt.Errorf("split: no ratios given")
	}
	for i, r := range ratios {
		if !(r > 0) {
			return fmt.Errorf("split: ratio %d is %v, want > 0", i+1, r)
		}
	}
	return nil
}

// cut divides idx at the cumulative ratio boundaries, rounded to the
// nearest row.
func cut(idx []int32, ratios []float64) [][]int32 {
	var total float64
	for _, r := range ratios {
		total += r
	}
	parts := make([][]int32, len(ratios))
	lo := 0
	var cum float64
	for i, r := range ratios {
		cum += r
		hi := int(float64(len(idx))*cum/total + 0.5)
		if i == len(ratios)-1 {
			hi = len(idx)
		}
		hi = max(lo, min(hi, len(idx)))
		parts[i] = idx[lo:hi:hi]
		lo = hi
	}
	return parts
}

// Interactions are user–item events, one per row, as implicit-feedback
// models consume them. Ids are 0-based and dense: users < NumUsers, items
// < NumItems.
type Interactions struct {
	Users, Items       []int32
	Times              []int64 // nil when the source has no timestamps: row order is time order
	NumUsers, NumItems int
}

// LOOSplit is a leave-one-out split: each user's latest interaction is held
// out and ranked against sampled items the user never interacted with.
type LOOSplit struct {
	// Train lists the rows kept for training.
	Train []int32
	// Test lists the held-out row of each user who has one.
	Test []int32
	// Negatives[i] are the sampled items of Test[i]'s user.
	Negatives [][]int32
}

// LeaveOneOut holds out each user's latest interaction (by Times, ties and
// missing timestamps broken by the later row) and draws negatives items per
// held-out row, uniformly without replacement among the items the user has
// no interaction with at all, in train or test — the protocol of NCF (He et
// al., WWW'17). A user with a single interaction keeps it for training and
// is not tested: holding it out would leave nothing to learn the user from.
func LeaveOneOut(in Interactions, negatives int, seed uint64) (LOOSplit, error) {
	if err := in.Check(); err != nil {
		return LOOSplit{}, err
	}
	latest := make([]int32, in.NumUsers)
	count := make([]int32, in.NumUsers)
	for i := range latest {
		latest[i] = -1
	}
	for r, u := range in.Users {
		count[u]++
		if l := latest[u]; l < 0 || in.Times == nil || in.Times[r] >= in.Times[l] {
			latest[u] = int32(r)
		}
	}
	seen := NewUserItems(in.Users, in.Items, in.NumUsers)
	sampler := NewNegativeSampler(seen, in.NumItems, seed)
	var s LOOSplit
	held := make([]bool, len(in.Users))
	for u := range in.NumUsers {
		if count[u] < 2 {
			continue
		}
		if free := in.NumItems - len(seen.Items(int32(u))); free < negatives {
			return LOOSplit{}, fmt.Errorf("leave-one-out: user %d has interacted with %d of %d items, leaving %d to sample %d negatives from", u, len(seen.Items(int32(u))), in.NumItems, free, negatives)
		}
		r := latest[u]
		held[r] = true
		s.Test = append(s.Test, r)
		s.Negatives = append(s.Negatives, sampler.SampleDistinct(int32(u), negatives, nil))
	}
	for r := range in.Users {
		if !held[r] {
			s.Train = append(s.Train, int32(r))
		}
	}
	return s, nil
}

// Check reports the first row whose user or item lies outside [0,
// NumUsers) or [0, NumItems), or whose columns disagree in length: the
// ids index the models' embedding tables.
func (in Interactions) Check() error {
	if len(in.Items) != len(in.Users) || (in.Times != nil && len(in.Times) != len(in.Users)) {
		return fmt.Errorf("interactions: %d users, %d items, %d times: want one of each per row", len(in.Users), len(in.Items), len(in.Times))
	}
	for r, u := range in.Users {
		if u < 0 || int(u) >= in.NumUsers {
			return fmt.Errorf("interactions: row %d: user %d outside [0, %d)", r, u, in.NumUsers)
		}
		if it := in.Items[r]; it < 0 || int(it) >= in.NumItems {
			return fmt.Errorf("interactions: row %d: item %d outside [0, %d)", r, it, in.NumItems)
		}
	}
	return nil
}

// HashSplit assigns records to parts by a seeded hash of their ordinal
// (0, 1, 2, … in reading order): part p with probability ratios[p]/Σ ratios.
// It needs no count of the records, so a stream can be split while it is
// read, and the encoders fitted on the training part alone.
type HashSplit struct {
	seed uint64
	cum  []uint64 // cumulative thresholds over the 64-bit hash range
}

// NewHashSplit returns the split of the given ratios.
func NewHashSplit(ratios []float64, seed uint64) (*HashSplit, error) {
	if err := checkRatios(ratios); err != nil {
		return nil, err
	}
	var total float64
	for _, r := range ratios {
		total += r
	}
	h := &HashSplit{seed: seed}
	var acc float64
	for i, r := range ratios {
		acc += r
		t := uint64(math.MaxUint64)
		if i < len(ratios)-1 {
			t = uint64(acc / total * math.MaxUint64)
		}
		h.cum = append(h.cum, t)
	}
	return h, nil
}

// Part returns the part of the record with the given ordinal.
func (h *HashSplit) Part(ordinal int64) int {
	x := splitmix(h.seed ^ splitmix(uint64(ordinal)))
	for p, t := range h.cum {
		if x < t {
			return p
		}
	}
	return len(h.cum) - 1
}

// splitmix is the SplitMix64 finalizer: a bijective 64-bit mix.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

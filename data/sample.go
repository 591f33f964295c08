package data

import (
	"math/rand/v2"
	"slices"
)

// UserItems is the set of items each user interacted with, stored as one
// sorted run of items per user.
type UserItems struct {
	offsets []int32 // user u's items are items[offsets[u]:offsets[u+1]]
	items   []int32
}

// NewUserItems collects the distinct items of each of numUsers users from
// parallel user and item columns.
func NewUserItems(users, items []int32, numUsers int) *UserItems {
	offsets := make([]int32, numUsers+1)
	for _, u := range users {
		offsets[u+1]++
	}
	for u := range numUsers {
		offsets[u+1] += offsets[u]
	}
	fill := slices.Clone(offsets[:numUsers])
	all := make([]int32, len(users))
	for r, u := range users {
		all[fill[u]] = items[r]
		fill[u]++
	}
	// Sort and deduplicate each user's run, compacting in place.
	out := int32(0)
	for u := range numUsers {
		run := all[offsets[u]:offsets[u+1]]
		slices.Sort(run)
		run = slices.Compact(run)
		offsets[u] = out
		out += int32(copy(all[out:], run))
	}
	offsets[numUsers] = out
	return &UserItems{offsets: offsets, items: all[:out:out]}
}

// Items returns user u's distinct items in increasing order.
func (ui *UserItems) Items(u int32) []int32 {
	return ui.items[ui.offsets[u]:ui.offsets[u+1]]
}

// Has reports whether user u interacted with item.
func (ui *UserItems) Has(u, item int32) bool {
	_, ok := slices.BinarySearch(ui.Items(u), item)
	return ok
}

// NegativeSampler draws, for a user, items the user never interacted with,
// uniformly. Its stream is seeded per epoch, so that training negatives are
// resampled every epoch yet every run draws the same ones.
type NegativeSampler struct {
	seen     *UserItems
	numItems int
	seed     uint64
	rng      *rand.Rand
}

// NewNegativeSampler samples from items 0..numItems-1, excluding each user's
// items in seen, starting at epoch 0.
func NewNegativeSampler(seen *UserItems, numItems int, seed uint64) *NegativeSampler {
	s := &NegativeSampler{seen: seen, numItems: numItems, seed: seed}
	s.SetEpoch(0)
	return s
}

// SetEpoch restarts the stream at the given epoch's seed.
func (s *NegativeSampler) SetEpoch(epoch int) {
	s.rng = rand.New(rand.NewPCG(s.seed, uint64(epoch)+0x6e6567))
}

// Sample appends k negatives for user u to dst (repeats possible, as in NCF's
// per-positive training negatives) and returns it. It panics when the user
// has interacted with every item: there is nothing to sample.
func (s *NegativeSampler) Sample(u int32, k int, dst []int32) []int32 {
	if len(s.seen.Items(u)) >= s.numItems {
		panic("data: NegativeSampler: the user has interacted with every item")
	}
	for range k {
		dst = append(dst, s.draw(u))
	}
	return dst
}

// SampleDistinct appends k distinct negatives for user u to dst, as
// evaluation candidates are. The caller must ensure the user has at least k
// non-interacted items.
func (s *NegativeSampler) SampleDistinct(u int32, k int, dst []int32) []int32 {
	start := len(dst)
	for len(dst)-start < k {
		it := s.draw(u)
		if !slices.Contains(dst[start:], it) {
			dst = append(dst, it)
		}
	}
	return dst
}

// draw rejects interacted items; users interact with a small share of the
// catalogue, so few draws are rejected.
func (s *NegativeSampler) draw(u int32) int32 {
	for {
		it := int32(s.rng.IntN(s.numItems))
		if !s.seen.Has(u, it) {
			return it
		}
	}
}

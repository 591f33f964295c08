package behavior

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Part selects the samples of one part of the split.
type Part int

// The parts of the per-user time split. All is every sample of the three.
const (
	All Part = iota
	Train
	Valid
	Test
)

var partNames = []string{"all", "train", "valid", "test"}

// String returns the part's name.
func (p Part) String() string {
	if p >= 0 && int(p) < len(partNames) {
		return partNames[p]
	}
	return fmt.Sprintf("Part(%d)", int(p))
}

// ParsePart parses a part name: all, train, valid or test.
func ParsePart(s string) (Part, error) {
	if i := slices.Index(partNames, s); i >= 0 {
		return Part(i), nil
	}
	return 0, fmt.Errorf("part %q, expected train, valid, test or all", s)
}

// Config chooses the samples of a log.
type Config struct {
	// MaxLen is the history window: the latest MaxLen behaviours.
	MaxLen int
	// Negatives is the number of sampled negatives per positive of an
	// implicit log (no ratings): items the user never touched. An explicit
	// log (ratings) takes none: its labels are the ratings.
	Negatives int
	// MinRating is, for an explicit log, the lowest rating labelled 1.
	MinRating float64
	// Valid and Test are the numbers of each user's latest steps held out
	// for validation and test; a user with too few steps for them and one
	// training step keeps every step for training.
	Valid, Test int
	// Seed seeds the negatives.
	Seed uint64
}

// DefaultConfig is the configuration of DIN-style experiments: histories
// of the latest 50 behaviours, one negative per positive, a rating of 4 or
// more as a positive, the last step of each user for test and the one
// before for validation (the SASRec split).
func DefaultConfig() Config {
	return Config{MaxLen: 50, Negatives: 1, MinRating: 4, Valid: 1, Test: 1, Seed: 1}
}

// Sample is one (history, candidate, label) example by reference: the
// history is the window [Start(), End) of the user's events, never copied.
type Sample struct {
	// User is the user's index in the log.
	User int32
	// Step is the index, among the user's events, of the event whose
	// item is the positive candidate (the negatives of a step share it).
	Step int32
	// End bounds the history: the user's events before End. It is Step
	// for an untimed log; for a timed one it is the first event of Step's
	// timestamp, so that no event as late as the candidate is history.
	End int32
	// Item is the candidate item's index.
	Item int32
	// Label is 1 for a positive, 0 for a negative.
	Label float32
}

// Sampler enumerates the samples of a log: for each user and each step t
// ≥ 1 in time order, the item of event t is the candidate after the
// history of the events before it, truncated to the latest MaxLen. In an
// implicit log it is a positive followed by Negatives sampled items the
// user never touched; in an explicit log it is one sample labelled by its
// rating. Steps whose history is empty (a timed log's first timestamp)
// give no sample. The split is per user in time order: the last Test steps
// are test, the Valid before them validation, the rest training, so no
// history holds an event of a later part.
type Sampler struct {
	log *Log
	cfg Config
	end []int32 // per event: its history's end within its user
}

// NewSampler checks cfg and prepares the samples of log.
func NewSampler(log *Log, cfg Config) (*Sampler, error) {
	switch {
	case cfg.MaxLen < 1:
		return nil, fmt.Errorf("behavior: max_len %d, want ≥ 1", cfg.MaxLen)
	case cfg.Negatives < 0:
		return nil, fmt.Errorf("behavior: %d negatives, want ≥ 0", cfg.Negatives)
	case cfg.Valid < 0 || cfg.Test < 0:
		return nil, fmt.Errorf("behavior: valid %d and test %d steps per user, want ≥ 0", cfg.Valid, cfg.Test)
	case log.Explicit() && cfg.Negatives > 0:
		return nil, fmt.Errorf("behavior: %s has ratings, which label its samples: sampled negatives (%d) apply to implicit logs only", log.file, cfg.Negatives)
	case !log.Explicit() && cfg.Negatives == 0:
		return nil, fmt.Errorf("behavior: %s is an implicit log: without sampled negatives every label would be 1", log.file)
	}
	s := &Sampler{log: log, cfg: cfg, end: make([]int32, log.Events())}
	for u := range log.Users() {
		lo, hi := log.off[u], log.off[u+1]
		first := int32(0)
		for k := lo; k < hi; k++ {
			t := int32(k - lo)
			if log.time == nil || log.time[k] != log.time[lo+int64(first)] {
				first = t
			}
			s.end[k] = first
		}
	}
	return s, nil
}

// Log is the sampler's log.
func (s *Sampler) Log() *Log { return s.log }

// Config is the sampler's configuration.
func (s *Sampler) Config() Config { return s.cfg }

// Start is where the sample's history window begins among the user's
// events: the latest MaxLen before End.
func (s *Sampler) Start(x Sample) int32 { return max(0, x.End-int32(s.cfg.MaxLen)) }

// History returns the items of the sample's history window, oldest first:
// a view into the log.
func (s *Sampler) History(x Sample) []int32 {
	ev := s.log.UserItems(x.User)
	return ev[s.Start(x):x.End]
}

// steps returns user u's steps [lo, hi) of part p.
func (s *Sampler) steps(u int32, p Part) (lo, hi int32) {
	n := int32(s.log.off[u+1] - s.log.off[u])
	trainEnd, validEnd := n, n
	if held := int32(s.cfg.Valid + s.cfg.Test); n-1 >= held+1 {
		trainEnd, validEnd = n-held, n-int32(s.cfg.Test)
	}
	switch p {
	case Train:
		return 1, trainEnd
	case Valid:
		return trainEnd, validEnd
	case Test:
		return validEnd, n
	}
	return 1, n
}

// Each calls fn with every sample of part p, users in log order, steps in
// time order, each positive before its negatives. It stops at fn's first
// error and returns it. The samples are a pure function of the log, the
// configuration and p: a negative depends on the seed, the user and the
// step alone, whichever part is enumerated.
func (s *Sampler) Each(p Part, fn func(Sample) error) error {
	it := s.Iter(p)
	var x Sample
	for {
		ok, err := it.Next(&x)
		if err != nil || !ok {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
}

// Iter returns a pull iterator over the samples of part p, in Each's
// order.
func (s *Sampler) Iter(p Part) *Iter {
	it := &Iter{s: s, part: p, u: -1}
	it.rng = rand.New(&it.pcg)
	return it
}

// Iter pulls the samples of one part.
type Iter struct {
	s     *Sampler
	part  Part
	u     int32 // current user, -1 before the first
	t, hi int32 // next step and the end of the user's steps
	k     int   // negatives of step t-1 still to draw (k > 0)
	pcg   rand.PCG
	rng   *rand.Rand
	seen  []int32 // the current user's items, sorted and unique
	prev  Sample
}

// Next fills x with the next sample; it returns false after the last.
func (it *Iter) Next(x *Sample) (bool, error) {
	s, l := it.s, it.s.log
	if it.k > 0 {
		it.k--
		neg, err := it.negative()
		if err != nil {
			return false, err
		}
		*x = it.prev
		x.Item, x.Label = neg, 0
		return true, nil
	}
	for {
		for it.t >= it.hi {
			it.u++
			if int(it.u) >= l.Users() {
				return false, nil
			}
			it.t, it.hi = s.steps(it.u, it.part)
			it.seen = it.seen[:0]
		}
		t := it.t
		it.t++
		k := l.off[it.u] + int64(t)
		end := s.end[k]
		if end == 0 {
			continue // nothing before it
		}
		*x = Sample{User: it.u, Step: t, End: end, Item: l.item[k], Label: 1}
		if l.rating != nil {
			if float64(l.rating[k]) < s.cfg.MinRating {
				x.Label = 0
			}
			return true, nil
		}
		// Negatives of this step are drawn from a stream of their own, so
		// that they do not depend on which steps were enumerated before.
		it.pcg.Seed(s.cfg.Seed, uint64(it.u)<<32|uint64(uint32(t)))
		it.prev, it.k = *x, s.cfg.Negatives
		return true, nil
	}
}

// negative draws an item the current user never touched.
func (it *Iter) negative() (int32, error) {
	l := it.s.log
	if len(it.seen) == 0 {
		it.seen = append(it.seen, l.UserItems(it.u)...)
		slices.Sort(it.seen)
		it.seen = slices.Compact(it.seen)
	}
	if len(it.seen) >= l.Items() {
		return 0, fmt.Errorf("behavior: user %s touched every item of %s: no negative to sample", l.User(it.u), l.file)
	}
	for {
		c := int32(it.rng.IntN(l.Items()))
		if _, found := slices.BinarySearch(it.seen, c); !found {
			return c, nil
		}
	}
}

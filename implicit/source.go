package implicit

import (
	"fmt"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// Source is the training examples of a log's positive rows for train.Fit:
// every positive (label 1) followed by Negatives items the user has no
// training interaction with (label 0), drawn afresh every epoch
// (data.NegativeSampler.SetEpoch). Epoch e's examples depend only on the
// seed and e, so that a resumed run sees what an uninterrupted one saw; the
// trainer shuffles them. The buffers are allocated once and reused by every
// epoch.
type Source struct {
	in        data.Interactions
	rows      []int32
	negatives int
	ids       train.PairIDs
	sampler   *data.NegativeSampler

	users, items []int32 // the epoch's examples, dense ids
	labels       []float32
	neg          []int32
	b            model.Batch
}

// NewSource returns the source of the given training rows of in with
// negatives negatives per positive, seeded by seed, whose batches hold the
// layout ids ids maps the log's ids to, user first. It refuses an id
// outside in's NumUsers or NumItems, or the id map, and a user with no item
// left to sample.
func NewSource(in data.Interactions, rows []int32, negatives int, seed uint64, ids train.PairIDs) (*Source, error) {
	if negatives < 1 {
		return nil, fmt.Errorf("negatives = %d per positive, want ≥ 1", negatives)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no training rows")
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	if len(ids.Users) < in.NumUsers || len(ids.Items) < in.NumItems {
		return nil, fmt.Errorf("the interactions have %d users and %d items, the model's ids %d and %d", in.NumUsers, in.NumItems, len(ids.Users), len(ids.Items))
	}
	users := make([]int32, len(rows))
	items := make([]int32, len(rows))
	for k, r := range rows {
		if r < 0 || int(r) >= len(in.Users) {
			return nil, fmt.Errorf("training row %d outside the %d interactions", r, len(in.Users))
		}
		users[k], items[k] = in.Users[r], in.Items[r]
	}
	seen := data.NewUserItems(users, items, in.NumUsers)
	for _, u := range users {
		if len(seen.Items(u)) >= in.NumItems {
			return nil, fmt.Errorf("user %d interacted with all %d items in training: no negative to sample", u, in.NumItems)
		}
	}
	n := len(rows) * (1 + negatives)
	return &Source{
		in: in, rows: rows, negatives: negatives, ids: ids,
		sampler: data.NewNegativeSampler(seen, in.NumItems, seed),
		users:   make([]int32, n), items: make([]int32, n), labels: make([]float32, n),
		neg: make([]int32, 0, negatives),
	}, nil
}

// Epoch draws epoch e's examples and returns their number.
func (s *Source) Epoch(e int) (int, error) {
	s.sampler.SetEpoch(e)
	k := 0
	for _, r := range s.rows {
		u := s.in.Users[r]
		s.users[k], s.items[k], s.labels[k] = u, s.in.Items[r], 1
		k++
		s.neg = s.sampler.Sample(u, s.negatives, s.neg[:0])
		for _, it := range s.neg {
			s.users[k], s.items[k], s.labels[k] = u, it, 0
			k++
		}
	}
	return k, nil
}

// Batch gathers examples idx of the epoch as rows (user, item).
func (s *Source) Batch(idx []int32) *model.Batch {
	b := &s.b
	n := len(idx)
	if cap(b.Label) < n {
		b.IDs, b.Values, b.Label = make([]int32, 2*n), make([]float32, 2*n), make([]float32, n)
		for i := range b.Values {
			b.Values[i] = 1
		}
	}
	b.N, b.IDs, b.Values, b.Label = n, b.IDs[:2*n], b.Values[:2*n], b.Label[:n]
	for k, i := range idx {
		b.IDs[2*k], b.IDs[2*k+1] = s.ids.Users[s.users[i]], s.ids.Items[s.items[i]]
		b.Label[k] = s.labels[i]
	}
	return b
}

package model

import (
	"errors"
	"fmt"
	"iter"
	"math"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// What the rating models (baseline, biasedmf, autorec-i, autorec-u) share:
// their (user, item) layout and the statistics of their training ratings.
// See docs/models/rating-baselines.md and docs/models/autorec.md.

// idField is one id field of a (user, item) layout: its slot and its
// table's vocabulary ids, which the models index from 0.
type idField struct {
	slot  int
	first int32 // the global id of vocabulary id 0: after the table's OOV ids
	n     int   // the vocabulary's size
}

// local returns the vocabulary index of global id id, or −1 for padding
// and out-of-vocabulary ids: an id the training data did not have.
func (f idField) local(id int32) int {
	if id < f.first || int(id-f.first) >= f.n {
		return -1
	}
	return int(id - f.first)
}

// ratingFields finds the user and the item field of a rating model's
// layout, a (user, item) layout as newUserItem checks it (MovieLens's
// built-in schema), with at least one user and one item.
func ratingFields(l Layout) (user, item idField, err error) {
	p, err := newUserItem(l)
	if err != nil {
		return idField{}, idField{}, err
	}
	field := func(slot int, t feature.Table) idField {
		return idField{slot: slot, first: t.Offset + t.OOV, n: int(t.Size - t.OOV)}
	}
	user, item = field(p.user, p.users), field(p.item, p.items)
	if user.n < 1 || item.n < 1 {
		return idField{}, idField{}, fmt.Errorf("a rating model needs users and items: the vocabularies hold %d users and %d items", user.n, item.n)
	}
	return user, item, nil
}

// ratingStats are what every rating model keeps of its training ratings,
// as buffers: their mean (the fallback of an unseen id), their range
// (predictions are clipped to it) and how many ratings each user and item
// has (an id without any is predicted by the fallback, like an unseen one).
type ratingStats struct {
	summary      *nn.Param // mean, lowest, highest
	userN, itemN *nn.Param
}

func newRatingStats(prefix string, users, items int) ratingStats {
	buf := func(name string, n int) *nn.Param {
		return &nn.Param{Name: prefix + "." + name, Shape: []int{n}, W: make([]float32, n)}
	}
	return ratingStats{summary: buf("rating_stats", 3), userN: buf("user_ratings", users), itemN: buf("item_ratings", items)}
}

// ratingStatsFootprint is newRatingStats's size in floats.
func ratingStatsFootprint(users, items int) float64 { return float64(3 + users + items) }

func (s ratingStats) buffers() []*nn.Param { return []*nn.Param{s.summary, s.userN, s.itemN} }

func (s ratingStats) mean() float32 { return s.summary.W[0] }

func (s ratingStats) clip(v float32) float32 { return min(max(v, s.summary.W[1]), s.summary.W[2]) }

func (s ratingStats) knownUser(u int) bool { return u >= 0 && s.userN.W[u] > 0 }

func (s ratingStats) knownItem(i int) bool { return i >= 0 && s.itemN.W[i] > 0 }

// rating is one training rating, its ids local (−1: not a vocabulary id).
type rating struct {
	user, item int
	value      float32
}

// fit computes the statistics of the ratings in ex, the labels of rows in
// the (user, item) layout, and calls each with every rating in order. The
// mean is summed in float64 in that order.
func (s ratingStats) fit(ex iter.Seq[*Batch], user, item idField, each func(rating)) error {
	clear(s.userN.W)
	clear(s.itemN.W)
	var sum float64
	n := 0
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for b := range ex {
		for r := range b.N {
			v := b.Label[r]
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("training rating %d is %v", n, v)
			}
			x := rating{user.local(b.IDs[2*r+user.slot]), item.local(b.IDs[2*r+item.slot]), v}
			if x.user >= 0 {
				s.userN.W[x.user]++
			}
			if x.item >= 0 {
				s.itemN.W[x.item]++
			}
			sum += float64(v)
			lo, hi = min(lo, v), max(hi, v)
			n++
			if each != nil {
				each(x)
			}
		}
	}
	if n == 0 {
		return errors.New("no training ratings")
	}
	s.summary.W[0], s.summary.W[1], s.summary.W[2] = float32(sum/float64(n)), lo, hi
	return nil
}

// pairRow returns the local user and item of row r of b.
func pairRow(b *Batch, r int, user, item idField) (u, i int) {
	return user.local(b.IDs[2*r+user.slot]), item.local(b.IDs[2*r+item.slot])
}

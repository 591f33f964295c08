package rating

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/recforge/recforge/data"
)

// Raw is a rating log with the ids as the file spells them.
type Raw struct {
	// Users and Items are the raw ids of each rating; Values the ratings.
	Users, Items []int64
	Values       []float32
}

// Len is the number of ratings.
func (r *Raw) Len() int { return len(r.Values) }

// Append adds one rating.
func (r *Raw) Append(user, item int64, value float32) {
	r.Users = append(r.Users, user)
	r.Items = append(r.Items, item)
	r.Values = append(r.Values, value)
}

// ReadFile reads a MovieLens rating file (u.data, u1.base, ratings.dat…,
// gzipped or not) through data.OpenMovieLens: columns user, item, rating
// and timestamp. A malformed line fails with its file, line and column; a
// file of another MovieLens layout (u.item, u.user) or without a rating
// is refused.
func ReadFile(path string) (*Raw, error) {
	rd, err := data.OpenMovieLens(path, data.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	if !slices.Equal(rd.Columns(), data.MovieLensRatingColumns) {
		return nil, fmt.Errorf("%s: not a rating file: its layout has columns %v, expected %v", path, rd.Columns(), data.MovieLensRatingColumns)
	}
	raw := &Raw{}
	var rec data.Record
	for {
		err := rd.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		// The reader has checked the forms (natural ids, a number); the
		// ranges are left to check here.
		u, errU := strconv.ParseInt(string(rec.Cols[0]), 10, 64)
		i, errI := strconv.ParseInt(string(rec.Cols[1]), 10, 64)
		v, errV := strconv.ParseFloat(string(rec.Cols[2]), 32)
		switch {
		case errU != nil:
			return nil, &data.ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "user", Msg: fmt.Sprintf("expected an integer id, found %q", rec.Cols[0])}
		case errI != nil:
			return nil, &data.ParseError{File: rec.File, Line: rec.Line, Column: 2, Field: "item", Msg: fmt.Sprintf("expected an integer id, found %q", rec.Cols[1])}
		case errV != nil || math.IsNaN(v) || math.IsInf(v, 0):
			return nil, &data.ParseError{File: rec.File, Line: rec.Line, Column: 3, Field: "rating", Msg: fmt.Sprintf("expected a finite number, found %q", rec.Cols[2])}
		}
		raw.Append(u, i, float32(v))
	}
	if raw.Len() == 0 {
		return nil, fmt.Errorf("%s: no ratings", path)
	}
	return raw, nil
}

// Index maps raw user and item ids to dense ids 0..n−1, in order of first
// appearance in the log it was fitted on.
type Index struct {
	users, items     map[int64]int32
	userRaw, itemRaw []int64
}

// NewIndex fits an index on a (training) log.
func NewIndex(r *Raw) *Index {
	x := &Index{users: map[int64]int32{}, items: map[int64]int32{}}
	for k := range r.Values {
		if _, ok := x.users[r.Users[k]]; !ok {
			x.users[r.Users[k]] = int32(len(x.userRaw))
			x.userRaw = append(x.userRaw, r.Users[k])
		}
		if _, ok := x.items[r.Items[k]]; !ok {
			x.items[r.Items[k]] = int32(len(x.itemRaw))
			x.itemRaw = append(x.itemRaw, r.Items[k])
		}
	}
	return x
}

// NumUsers and NumItems are the sizes of the dense id spaces.
func (x *Index) NumUsers() int { return len(x.userRaw) }

// NumItems is the number of distinct items the index was fitted on.
func (x *Index) NumItems() int { return len(x.itemRaw) }

// User returns the dense id of a raw user id, or Unseen.
func (x *Index) User(raw int64) int32 {
	if d, ok := x.users[raw]; ok {
		return d
	}
	return Unseen
}

// Item returns the dense id of a raw item id, or Unseen.
func (x *Index) Item(raw int64) int32 {
	if d, ok := x.items[raw]; ok {
		return d
	}
	return Unseen
}

// RawUser returns the raw id of dense user d.
func (x *Index) RawUser(d int32) int64 { return x.userRaw[d] }

// RawItem returns the raw id of dense item d.
func (x *Index) RawItem(d int32) int64 { return x.itemRaw[d] }

// Encode maps a log onto the index's dense ids. Ids the index has not
// seen become Unseen; the models predict their documented fallback there.
func (x *Index) Encode(r *Raw) *Ratings {
	out := &Ratings{
		Users: make([]int32, r.Len()), Items: make([]int32, r.Len()),
		Values:   slices.Clone(r.Values),
		NumUsers: x.NumUsers(), NumItems: x.NumItems(),
	}
	for k := range r.Values {
		out.Users[k] = x.User(r.Users[k])
		out.Items[k] = x.Item(r.Items[k])
	}
	return out
}

// Unseen is the dense id of a user or item absent from the training log.
const Unseen int32 = -1

// Ratings is a rating log over dense ids, the form the models train on.
type Ratings struct {
	// Users and Items are dense ids in [0, NumUsers) and [0, NumItems),
	// or Unseen (only in logs scored, never in training logs).
	Users, Items []int32
	// Values are the ratings.
	Values []float32
	// NumUsers and NumItems size the id spaces (those of the Index).
	NumUsers, NumItems int
}

// Len is the number of ratings.
func (r *Ratings) Len() int { return len(r.Values) }

// subset returns the ratings at positions idx, in that order.
func (r *Ratings) subset(idx []int) *Ratings {
	out := &Ratings{
		Users: make([]int32, len(idx)), Items: make([]int32, len(idx)), Values: make([]float32, len(idx)),
		NumUsers: r.NumUsers, NumItems: r.NumItems,
	}
	for j, k := range idx {
		out.Users[j], out.Items[j], out.Values[j] = r.Users[k], r.Items[k], r.Values[k]
	}
	return out
}

// Split holds out a seeded share of the ratings (chosen uniformly, without
// stratification) and returns the rest and the held-out part, each in the
// original order. It is how a training file gives up its validation part.
func (r *Ratings) Split(share float64, seed uint64) (rest, held *Ratings, err error) {
	if !(share > 0 && share < 1) {
		return nil, nil, fmt.Errorf("validation share %v, want in (0, 1)", share)
	}
	n := r.Len()
	nHeld := int(math.Round(share * float64(n)))
	if nHeld < 1 || nHeld >= n {
		return nil, nil, fmt.Errorf("validation share %v of %d ratings leaves an empty part", share, n)
	}
	perm := rand.New(rand.NewPCG(seed, 0x5eed_5b11_7000)).Perm(n)
	isHeld := make([]bool, n)
	for _, k := range perm[:nHeld] {
		isHeld[k] = true
	}
	var a, b []int
	for k := range n {
		if isHeld[k] {
			b = append(b, k)
		} else {
			a = append(a, k)
		}
	}
	return r.subset(a), r.subset(b), nil
}

// SplitUsers holds out ratings the way a user-blocked test file removes
// them: a seeded share userShare of the users with at least two ratings is
// drawn, and each drawn user gives up round(share × n_u) of their n_u
// ratings (at least one, and never all: one always stays). It returns the
// rest and the held-out part, each in the original order. ML-100K's
// u1..u5.test files each take 20% of the data from a block of users, so
// their users lose a far larger share of their ratings than a uniform
// hold-out removes; this split mimics that using the training file alone.
func (r *Ratings) SplitUsers(userShare, share float64, seed uint64) (rest, held *Ratings, err error) {
	if !(userShare > 0 && userShare <= 1) {
		return nil, nil, fmt.Errorf("validation user share %v, want in (0, 1]", userShare)
	}
	if !(share > 0 && share < 1) {
		return nil, nil, fmt.Errorf("validation share per user %v, want in (0, 1)", share)
	}
	byUser := make([][]int, r.NumUsers)
	for k, u := range r.Users {
		if u >= 0 && int(u) < r.NumUsers {
			byUser[u] = append(byUser[u], k)
		}
	}
	var eligible []int
	for u, ks := range byUser {
		if len(ks) >= 2 {
			eligible = append(eligible, u)
		}
	}
	nUsers := int(math.Round(userShare * float64(len(eligible))))
	if nUsers < 1 {
		return nil, nil, fmt.Errorf("validation user share %v of %d users with ≥ 2 ratings draws none", userShare, len(eligible))
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_05e5_7000))
	isHeld := make([]bool, r.Len())
	for _, j := range rng.Perm(len(eligible))[:nUsers] {
		ks := byUser[eligible[j]]
		nHeld := min(max(int(math.Round(share*float64(len(ks)))), 1), len(ks)-1)
		for _, p := range rng.Perm(len(ks))[:nHeld] {
			isHeld[ks[p]] = true
		}
	}
	var a, b []int
	for k := range r.Len() {
		if isHeld[k] {
			b = append(b, k)
		} else {
			a = append(a, k)
		}
	}
	return r.subset(a), r.subset(b), nil
}

// check reports a training log the models cannot fit: empty, with an id
// out of range (Unseen included) or a non-finite rating.
func (r *Ratings) check() error {
	if r.Len() == 0 {
		return errors.New("rating: empty training log")
	}
	if len(r.Users) != r.Len() || len(r.Items) != r.Len() {
		return fmt.Errorf("rating: %d users, %d items for %d ratings", len(r.Users), len(r.Items), r.Len())
	}
	for k, v := range r.Values {
		u, i := r.Users[k], r.Items[k]
		if u < 0 || int(u) >= r.NumUsers || i < 0 || int(i) >= r.NumItems {
			return fmt.Errorf("rating: training rating %d has user %d, item %d outside [0, %d)×[0, %d)", k, u, i, r.NumUsers, r.NumItems)
		}
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("rating: training rating %d is %v", k, v)
		}
	}
	return nil
}

// stats are what every model keeps of its training log: the mean, the
// range predictions are clipped to, and which ids have ratings (an id
// without any is predicted by the fallback, like an unseen one).
type stats struct {
	mean         float32
	lo, hi       float32
	userN, itemN []int32
}

func newStats(r *Ratings) stats {
	s := stats{lo: r.Values[0], hi: r.Values[0], userN: make([]int32, r.NumUsers), itemN: make([]int32, r.NumItems)}
	var sum float64
	for k, v := range r.Values {
		sum += float64(v)
		s.lo, s.hi = min(s.lo, v), max(s.hi, v)
		s.userN[r.Users[k]]++
		s.itemN[r.Items[k]]++
	}
	s.mean = float32(sum / float64(r.Len()))
	return s
}

func (s *stats) knownUser(u int32) bool { return u >= 0 && int(u) < len(s.userN) && s.userN[u] > 0 }
func (s *stats) knownItem(i int32) bool { return i >= 0 && int(i) < len(s.itemN) && s.itemN[i] > 0 }
func (s *stats) clip(v float32) float32 { return min(max(v, s.lo), s.hi) }

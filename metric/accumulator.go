package metric

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// RankingAccumulator averages per-user ranking metrics over users at one or
// more cutoffs K. Each user counts once, whatever the length of their list.
// Adding allocates nothing; it is not safe for concurrent use.
type RankingAccumulator struct {
	ks    []int
	sums  []ListMetrics // per K; the MRR field is unused
	mrr   float64
	users int
}

// NewRankingAccumulator returns an accumulator for the given cutoffs
// (duplicates removed). At least one K is required and each must be ≥ 1.
func NewRankingAccumulator(ks ...int) (*RankingAccumulator, error) {
	if len(ks) == 0 {
		return nil, fmt.Errorf("%w: ranking accumulator: no cutoff K given", ErrRange)
	}
	ks = slices.Clone(ks)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	if ks[0] < 1 {
		return nil, fmt.Errorf("%w: ranking accumulator: K = %d, want ≥ 1", ErrRange, ks[0])
	}
	return &RankingAccumulator{ks: ks, sums: make([]ListMetrics, len(ks))}, nil
}

// AddRanks adds one user given the ascending 1-based ranks of their relevant
// items (as RelevantRanks returns). Invalid ranks are an error and leave the
// accumulator unchanged.
func (a *RankingAccumulator) AddRanks(ranks []int) error {
	for i, k := range a.ks {
		m, err := AtK(ranks, k)
		if err != nil {
			return err // only the first K can fail: validation does not depend on K
		}
		s := &a.sums[i]
		s.HR += m.HR
		s.NDCG += m.NDCG
		s.Recall += m.Recall
		s.Precision += m.Precision
		if i == 0 {
			a.mrr += m.MRR
		}
	}
	a.users++
	return nil
}

// AddRank adds one user with a single relevant item at the given 1-based
// rank, as in leave-one-out (see RankOfPositive).
func (a *RankingAccumulator) AddRank(rank int) error {
	r := [1]int{rank}
	return a.AddRanks(r[:])
}

// Users returns the number of users added.
func (a *RankingAccumulator) Users() int { return a.users }

// Mean returns the metrics at cutoff k averaged over the users added. k must
// be one of the accumulator's cutoffs; with no users the error wraps
// ErrUndefined.
func (a *RankingAccumulator) Mean(k int) (ListMetrics, error) {
	i := slices.Index(a.ks, k)
	if i < 0 {
		return ListMetrics{}, fmt.Errorf("%w: ranking accumulator: K = %d was not requested (have %v)", ErrRange, k, a.ks)
	}
	if a.users == 0 {
		nan := math.NaN()
		return ListMetrics{nan, nan, nan, nan, nan}, fmt.Errorf("%w: ranking accumulator: no users added", ErrUndefined)
	}
	n := float64(a.users)
	s := a.sums[i]
	return ListMetrics{HR: s.HR / n, NDCG: s.NDCG / n, MRR: a.mrr / n, Recall: s.Recall / n, Precision: s.Precision / n}, nil
}

// AddTo records the averages in r under the names "hr@K", "ndcg@K",
// "recall@K", "precision@K" for each cutoff, plus "mrr" and "users". With no
// users it records nothing and returns an error wrapping ErrUndefined.
func (a *RankingAccumulator) AddTo(r *Report) error {
	for _, k := range a.ks {
		m, err := a.Mean(k)
		if err != nil {
			return err
		}
		suffix := "@" + strconv.Itoa(k)
		r.Set("hr"+suffix, m.HR)
		r.Set("ndcg"+suffix, m.NDCG)
		r.Set("recall"+suffix, m.Recall)
		r.Set("precision"+suffix, m.Precision)
		r.Set("mrr", m.MRR)
	}
	r.Set("users", float64(a.users))
	return nil
}

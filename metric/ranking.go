package metric

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// RankOfPositive returns the 1-based rank of a held-out positive among
// sampled negatives, as in the NCF leave-one-out protocol: 1 plus the number
// of negatives scored at least as high as the positive (a tie counts as the
// negative ranked above, the pessimistic rule). A NaN score is an error; no
// negatives gives rank 1.
func RankOfPositive[F Float](positive F, negatives []F) (int, error) {
	if positive != positive {
		return 0, fmt.Errorf("%w: rank: positive score is NaN", ErrNaN)
	}
	rank := 1
	for i, s := range negatives {
		if s != s {
			return 0, fmt.Errorf("%w: rank: negative score %d is NaN", ErrNaN, i)
		}
		if s >= positive {
			rank++
		}
	}
	return rank, nil
}

// RankScratch holds the buffers RelevantRanks reuses between calls, so
// ranking many users allocates only while the buffers grow. The zero value
// is ready to use; it is not safe for concurrent use.
type RankScratch struct {
	rel   []float64
	above []int
	ranks []int
}

// RelevantRanks returns, in ascending order, the 1-based ranks of the
// relevant items of one user's candidate list when the list is sorted by
// descending score. Ties are broken pessimistically: an irrelevant item with
// the same score as a relevant one ranks above it (tied relevant items take
// consecutive ranks among themselves).
//
// The result is owned by s and valid until its next use; s may be nil, in
// which case fresh buffers are allocated. It runs in O(n log R) for n
// candidates and R relevant ones. A list with no relevant item returns an
// error wrapping ErrUndefined; a NaN score is an error.
func RelevantRanks[F Float](s *RankScratch, scores []F, relevant []bool) ([]int, error) {
	if len(scores) != len(relevant) {
		return nil, fmt.Errorf("%w: rank: %d scores but %d relevance flags", ErrLength, len(scores), len(relevant))
	}
	if s == nil {
		s = new(RankScratch)
	}
	rel := s.rel[:0]
	for i, v := range scores {
		if v != v {
			return nil, fmt.Errorf("%w: rank: score %d is NaN", ErrNaN, i)
		}
		if relevant[i] {
			rel = append(rel, float64(v))
		}
	}
	s.rel = rel
	if len(rel) == 0 {
		return nil, fmt.Errorf("%w: rank: no relevant item among %d candidates", ErrUndefined, len(scores))
	}
	slices.Sort(rel)
	slices.Reverse(rel) // descending
	// above[k] counts irrelevant items ranked above relevant item k, which
	// are those scored ≥ rel[k]; built as a difference array over k.
	above := slices.Grow(s.above[:0], len(rel)+1)[:len(rel)+1]
	clear(above)
	for i, v := range scores {
		if relevant[i] {
			continue
		}
		f := float64(v)
		above[sort.Search(len(rel), func(k int) bool { return rel[k] <= f })]++
	}
	s.above = above
	ranks := slices.Grow(s.ranks[:0], len(rel))[:len(rel)]
	sum := 0
	for k := range rel {
		sum += above[k]
		ranks[k] = 1 + k + sum
	}
	s.ranks = ranks
	return ranks, nil
}

// ListMetrics are the ranking metrics of one user's list at one cutoff K,
// with binary relevance.
type ListMetrics struct {
	// HR is the hit ratio: 1 if any relevant item is in the top K, else 0.
	HR float64
	// NDCG is DCG@K / IDCG@K with gain 1 per relevant item and discount
	// 1/log2(rank+1); the ideal list puts all relevant items first.
	NDCG float64
	// MRR is the reciprocal rank 1/r of the first relevant item over the
	// whole list (not cut at K).
	MRR float64
	// Recall is the fraction of relevant items in the top K.
	Recall float64
	// Precision is the number of relevant items in the top K divided by K
	// (by K even when the list is shorter than K, as trec_eval does).
	Precision float64
}

// AtK computes ListMetrics at cutoff k from the ascending 1-based ranks of
// a user's relevant items (as RelevantRanks returns, or a single rank from
// RankOfPositive). k larger than the list is allowed. k < 1 or ranks that
// are not positive and strictly increasing are errors (ErrRange); no ranks
// is ErrUndefined.
func AtK(ranks []int, k int) (ListMetrics, error) {
	if k < 1 {
		return ListMetrics{}, fmt.Errorf("%w: rank: K = %d, want ≥ 1", ErrRange, k)
	}
	if len(ranks) == 0 {
		return ListMetrics{}, fmt.Errorf("%w: rank: no relevant item", ErrUndefined)
	}
	prev := 0
	for i, r := range ranks {
		if r <= prev {
			return ListMetrics{}, fmt.Errorf("%w: rank: ranks must be positive and strictly increasing, rank %d is %d after %d", ErrRange, i, r, prev)
		}
		prev = r
	}
	var hits int
	var dcg float64
	for _, r := range ranks {
		if r > k {
			break
		}
		hits++
		dcg += 1 / math.Log2(float64(r)+1)
	}
	var idcg float64
	for i := 1; i <= min(len(ranks), k); i++ {
		idcg += 1 / math.Log2(float64(i)+1)
	}
	m := ListMetrics{
		NDCG:      dcg / idcg,
		MRR:       1 / float64(ranks[0]),
		Recall:    float64(hits) / float64(len(ranks)),
		Precision: float64(hits) / float64(k),
	}
	if hits > 0 {
		m.HR = 1
	}
	return m, nil
}

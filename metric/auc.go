package metric

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// scored is one prediction with its binary label, the unit AUC sorts.
type scored[F Float] struct {
	s   F
	pos bool
}

// AUC returns the exact area under the ROC curve of scores against binary
// labels (0 or 1): the probability that a random positive scores above a
// random negative, with a tied positive–negative pair counted as ½ (the
// Mann–Whitney U statistic with average ranks). It sorts a copy of the
// input, O(n log n) time and one allocation of n (score, label) pairs.
//
// When all labels belong to one class AUC is undefined: it returns NaN and
// an error wrapping ErrUndefined. Infinite scores are allowed (they order
// as usual); a NaN score is an error.
func AUC[F Float](scores, labels []F) (float64, error) {
	pos, err := checkBinary("AUC", scores, labels)
	if err != nil {
		return math.NaN(), err
	}
	neg := len(labels) - pos
	if pos == 0 || neg == 0 {
		return math.NaN(), fmt.Errorf("%w: AUC needs both classes, got %d positives and %d negatives", ErrUndefined, pos, neg)
	}
	buf := make([]scored[F], len(scores))
	for i, s := range scores {
		buf[i] = scored[F]{s, labels[i] == 1}
	}
	slices.SortFunc(buf, func(a, b scored[F]) int { return cmp.Compare(a.s, b.s) })
	return aucSorted(buf, pos, neg), nil
}

// aucSorted computes AUC over pairs sorted by ascending score, given the
// class counts. Pairs are counted exactly as integers; a tie group with p
// positives and q negatives contributes p·(negatives below) + ½·p·q.
func aucSorted[F Float](buf []scored[F], pos, neg int) float64 {
	var (
		wins     float64 // positive–negative pairs won, ties counted ½ (kept doubled)
		negBelow int
	)
	for i := 0; i < len(buf); {
		j, p, q := i, 0, 0
		for ; j < len(buf) && buf[j].s == buf[i].s; j++ {
			if buf[j].pos {
				p++
			} else {
				q++
			}
		}
		wins += float64(2*p*negBelow + p*q)
		negBelow += q
		i = j
	}
	return wins / (2 * float64(pos) * float64(neg))
}

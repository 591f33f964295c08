package metric

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// GAUCResult holds both forms of group AUC over the same groups.
type GAUCResult struct {
	// Weighted is the impression-weighted gAUC of the DIN paper:
	// Σ_u n_u·AUC_u / Σ_u n_u over the counted groups, n_u being group u's
	// number of rows (impressions).
	Weighted float64
	// Mean is the plain unweighted mean of AUC_u over the counted groups.
	Mean float64
	// Groups is the number of distinct groups in the input.
	Groups int
	// Counted is the number of groups that had both classes and so entered
	// the averages; the others were skipped.
	Counted int
	// Impressions is Σ_u n_u over the counted groups.
	Impressions int
}

// grouped is one row for gAUC, sorted by group then score.
type grouped[F Float, G cmp.Ordered] struct {
	g   G
	s   F
	pos bool
}

// GAUC returns group AUC, groups[i] being the group (usually the user) of
// row i. Each group's AUC is exact and tie-aware as in AUC; groups whose rows
// are all of one class are skipped and reported in the result's counts. It
// sorts one copy of the input, O(n log n).
//
// If no group has both classes, both forms are NaN and the error wraps
// ErrUndefined (the counts are still filled in).
func GAUC[F Float, G cmp.Ordered](scores, labels []F, groups []G) (GAUCResult, error) {
	res := GAUCResult{Weighted: math.NaN(), Mean: math.NaN()}
	if _, err := checkBinary("gAUC", scores, labels); err != nil {
		return res, err
	}
	if len(groups) != len(scores) {
		return res, fmt.Errorf("%w: gAUC: %d scores but %d groups", ErrLength, len(scores), len(groups))
	}
	buf := make([]grouped[F, G], len(scores))
	for i, s := range scores {
		buf[i] = grouped[F, G]{groups[i], s, labels[i] == 1}
	}
	slices.SortFunc(buf, func(a, b grouped[F, G]) int {
		if c := cmp.Compare(a.g, b.g); c != 0 {
			return c
		}
		return cmp.Compare(a.s, b.s)
	})
	var wsum, msum float64
	for i := 0; i < len(buf); {
		j := i
		var pos, negBelow int
		var wins float64
		// Walk the group's tie runs in ascending score order, as aucSorted.
		for j < len(buf) && buf[j].g == buf[i].g {
			k, p, q := j, 0, 0
			for ; k < len(buf) && buf[k].g == buf[i].g && buf[k].s == buf[j].s; k++ {
				if buf[k].pos {
					p++
				} else {
					q++
				}
			}
			wins += float64(2*p*negBelow + p*q)
			negBelow += q
			pos += p
			j = k
		}
		n := j - i
		res.Groups++
		if pos > 0 && negBelow > 0 {
			auc := wins / (2 * float64(pos) * float64(negBelow))
			res.Counted++
			res.Impressions += n
			wsum += float64(n) * auc
			msum += auc
		}
		i = j
	}
	if res.Counted == 0 {
		return res, fmt.Errorf("%w: gAUC: none of %d groups has both classes", ErrUndefined, res.Groups)
	}
	res.Weighted = wsum / float64(res.Impressions)
	res.Mean = msum / float64(res.Counted)
	return res, nil
}

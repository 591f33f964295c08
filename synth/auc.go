package synth

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// AUC is the area under the ROC curve of scores against labels: the
// probability that a random positive scores above a random negative, a tie
// counting one half. It is computed exactly from the ranks (Mann–Whitney U),
// giving tied scores their average rank. It is NaN when one class is absent
// and an error when the lengths differ or a score is NaN.
func AUC(scores []float64, labels []bool) (float64, error) {
	if len(scores) != len(labels) {
		return 0, fmt.Errorf("synth: AUC of %d scores against %d labels", len(scores), len(labels))
	}
	idx := make([]int32, len(scores))
	for i, s := range scores {
		if math.IsNaN(s) {
			return 0, fmt.Errorf("synth: AUC: score %d is NaN", i)
		}
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		// Ranks i+1..j share their mean.
		mean := float64(i+1+j) / 2
		for _, k := range idx[i:j] {
			if labels[k] {
				pos++
				rankSum += mean
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN(), nil
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg), nil
}

var errNoRows = errors.New("synth: no rows")

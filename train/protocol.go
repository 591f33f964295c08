package train

import (
	"fmt"
	"slices"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/metric"
)

// ScoreFunc scores items for one user: it writes the score of items[i]
// into scores[i] (higher ranks first). Ranking models (NeuralCF, MF,
// popularity) provide one.
type ScoreFunc func(user int32, items []int32, scores []float32)

// LeaveOneOut evaluates the NCF protocol: each user's held-out item
// (split.Test, rows of in) is ranked among that user's sampled negatives,
// ties counted against it, and HR@K, NDCG@K and MRR are averaged over
// users. The report's protocol is "loo-N" for N negatives.
func LeaveOneOut(score ScoreFunc, in data.Interactions, split data.LOOSplit, ks ...int) (*metric.Report, error) {
	if len(split.Test) == 0 {
		return nil, fmt.Errorf("leave-one-out: no held-out users")
	}
	acc, err := metric.NewRankingAccumulator(ks...)
	if err != nil {
		return nil, err
	}
	negs := len(split.Negatives[0])
	items := make([]int32, 0, negs+1)
	scores := make([]float32, negs+1)
	for i, r := range split.Test {
		if len(split.Negatives[i]) != negs {
			return nil, fmt.Errorf("leave-one-out: held-out row %d has %d negatives, the first %d", r, len(split.Negatives[i]), negs)
		}
		items = append(append(items[:0], in.Items[r]), split.Negatives[i]...)
		score(in.Users[r], items, scores)
		rank, err := metric.RankOfPositive(scores[0], scores[1:])
		if err != nil {
			return nil, fmt.Errorf("leave-one-out: user %d: %w", in.Users[r], err)
		}
		if err := acc.AddRank(rank); err != nil {
			return nil, err
		}
	}
	rep := metric.NewReport(metric.ProtocolLOO(negs))
	if err := acc.AddTo(rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// FullRanking ranks, for every user with test items, all items the user
// did not interact with in training (seen), and scores the ranks of the
// test items: Recall@K, NDCG@K, Precision@K, HR@K and MRR averaged over
// users, protocol "full-ranking". test lists each user's held-out items.
func FullRanking(score ScoreFunc, numItems int, seen *data.UserItems, test map[int32][]int32, ks ...int) (*metric.Report, error) {
	acc, err := metric.NewRankingAccumulator(ks...)
	if err != nil {
		return nil, err
	}
	users := make([]int32, 0, len(test))
	for u := range test {
		users = append(users, u)
	}
	// Users in order, so that the sums (and the report) are reproducible.
	slices.Sort(users)
	var scratch metric.RankScratch
	candidates := make([]int32, 0, numItems)
	scores := make([]float32, numItems)
	relevant := make([]bool, numItems)
	isTest := make([]bool, numItems)
	for _, u := range users {
		items := test[u]
		if len(items) == 0 {
			continue
		}
		for _, it := range items {
			if it < 0 || int(it) >= numItems {
				return nil, fmt.Errorf("full ranking: user %d: item %d outside [0, %d)", u, it, numItems)
			}
			isTest[it] = true
		}
		candidates = candidates[:0]
		trained := seen.Items(u)
		j := 0
		for it := range int32(numItems) {
			for j < len(trained) && trained[j] < it {
				j++
			}
			if j < len(trained) && trained[j] == it && !isTest[it] {
				continue // a training interaction is not a candidate
			}
			candidates = append(candidates, it)
		}
		n := len(candidates)
		for i, it := range candidates {
			relevant[i] = isTest[it]
		}
		score(u, candidates, scores[:n])
		ranks, err := metric.RelevantRanks(&scratch, scores[:n], relevant[:n])
		if err != nil {
			return nil, fmt.Errorf("full ranking: user %d: %w", u, err)
		}
		if err := acc.AddRanks(ranks); err != nil {
			return nil, err
		}
		for _, it := range items {
			isTest[it] = false
		}
	}
	rep := metric.NewReport(metric.ProtocolFullRanking)
	if err := acc.AddTo(rep); err != nil {
		return nil, err
	}
	return rep, nil
}

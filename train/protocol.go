package train

import (
	"context"
	"fmt"
	"slices"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
)

// The ranking protocols: evaluators of a (user, item) model on an
// interaction log, ranking each user's held-out items among candidates by
// the model's outputs (logits, not probabilities: σ is monotone, so the
// ranking is the same, and float32 σ saturates to exactly 1 for large
// logits, which would turn distinct scores into ties). Ties are counted
// against the held-out item.

// PairIDs maps an interaction log's dense ids to a (user, item) model's
// layout ids: user u is Users[u], item i is Items[i]. An id the model has
// no row for maps to its field's OOV id.
type PairIDs struct {
	Users, Items []int32
}

// ScoreFunc scores items for one user: it writes the score of items[i]
// into scores[i] (higher ranks first). Ids are the interaction log's.
type ScoreFunc func(user int32, items []int32, scores []float32)

// PairScorer returns the ScoreFunc of m on a log mapped by ids: m's
// ItemScorer when it has one, else Forward on batches of up to batch rows
// (user, item), the slot order of a ranking preparation. It switches m to
// inference mode. The ScoreFunc reuses its buffers: one goroutine at a
// time.
func PairScorer(m model.Model, ids PairIDs, batch int) ScoreFunc {
	m.SetTraining(false)
	var mapped []int32
	mapItems := func(items []int32) []int32 {
		mapped = mapped[:0]
		for _, it := range items {
			mapped = append(mapped, ids.Items[it])
		}
		return mapped
	}
	if s, ok := m.(model.ItemScorer); ok {
		return func(user int32, items []int32, scores []float32) {
			s.ScoreItems(ids.Users[user], mapItems(items), scores)
		}
	}
	batch = max(batch, 1)
	b := &model.Batch{IDs: make([]int32, 2*batch), Values: make([]float32, 2*batch)}
	for i := range b.Values {
		b.Values[i] = 1
	}
	return func(user int32, items []int32, scores []float32) {
		u := ids.Users[user]
		for lo := 0; lo < len(items); lo += batch {
			b.N = min(batch, len(items)-lo)
			for k, it := range items[lo : lo+b.N] {
				b.IDs[2*k], b.IDs[2*k+1] = u, ids.Items[it]
			}
			copy(scores[lo:], m.Forward(b))
		}
	}
}

// LeaveOneOut is the evaluator of NCF's protocol: each user's held-out
// item (Split.Test, rows of In) is ranked among that user's sampled
// negatives; HR@K, NDCG@K and MRR are averaged over users. Its report's
// protocol is "loo-N" for N negatives.
type LeaveOneOut struct {
	In    data.Interactions
	Split data.LOOSplit
	// IDs maps In's ids to the model's.
	IDs PairIDs
	// K are the metrics' cut-offs.
	K []int
	// Batch bounds the rows of a Forward for a model without ItemScorer.
	Batch int
}

// Evaluate ranks the held-out items with m.
func (l LeaveOneOut) Evaluate(ctx context.Context, m model.Model, _ Task) (*metric.Report, error) {
	return leaveOneOut(ctx, PairScorer(m, l.IDs, l.Batch), l.In, l.Split, l.K...)
}

// FullRanking is the evaluator that ranks, for every user with test
// items, all items the user did not interact with in training (Seen), and
// scores the ranks of the test items: Recall@K, NDCG@K, Precision@K, HR@K
// and MRR averaged over users, protocol "full-ranking".
type FullRanking struct {
	// NumItems is the number of items; Seen each user's training items;
	// Test each user's held-out items.
	NumItems int
	Seen     *data.UserItems
	Test     map[int32][]int32
	// IDs maps the ids to the model's.
	IDs PairIDs
	// K are the metrics' cut-offs.
	K []int
	// Batch bounds the rows of a Forward for a model without ItemScorer.
	Batch int
}

// Evaluate ranks every user's candidates with m.
func (f FullRanking) Evaluate(ctx context.Context, m model.Model, _ Task) (*metric.Report, error) {
	return fullRanking(ctx, PairScorer(m, f.IDs, f.Batch), f.NumItems, f.Seen, f.Test, f.K...)
}

// leaveOneOut runs LeaveOneOut's protocol with score.
func leaveOneOut(ctx context.Context, score ScoreFunc, in data.Interactions, split data.LOOSplit, ks ...int) (*metric.Report, error) {
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
		if i%256 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("leave-one-out: stopped after %d of %d users: %w", i, len(split.Test), ctx.Err())
		}
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

// fullRanking runs FullRanking's protocol with score.
func fullRanking(ctx context.Context, score ScoreFunc, numItems int, seen *data.UserItems, test map[int32][]int32, ks ...int) (*metric.Report, error) {
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
	for done, u := range users {
		if done%64 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("full ranking: stopped after %d of %d users: %w", done, len(users), ctx.Err())
		}
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

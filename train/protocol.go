package train

import (
	"context"
	"fmt"
	"slices"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/internal/parallel"
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
func (l LeaveOneOut) Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error) {
	return l.EvaluateWith(ctx, NewScorer(m, 1, nil), task)
}

// EvaluateWith ranks the held-out items with s's model, users on s's
// threads.
func (l LeaveOneOut) EvaluateWith(ctx context.Context, s *Scorer, _ Task) (*metric.Report, error) {
	score, err := s.pairScorers(l.IDs, l.Batch, len(l.Split.Test))
	if err != nil {
		return nil, err
	}
	return leaveOneOut(ctx, score, l.In, l.Split, l.K...)
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
func (f FullRanking) Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error) {
	return f.EvaluateWith(ctx, NewScorer(m, 1, nil), task)
}

// EvaluateWith ranks every user's candidates with s's model, users on s's
// threads.
func (f FullRanking) EvaluateWith(ctx context.Context, s *Scorer, _ Task) (*metric.Report, error) {
	score, err := s.pairScorers(f.IDs, f.Batch, len(f.Test))
	if err != nil {
		return nil, err
	}
	return fullRanking(ctx, score, f.NumItems, f.Seen, f.Test, f.K...)
}

// rankChunk is the number of users a ranking protocol hands a thread at
// once: enough work to outweigh taking it, few enough to balance.
const rankChunk = 64

// pairScorers returns a ScoreFunc (PairScorer) per thread that ranks
// users in chunks of rankChunk, each over a model of its own.
func (s *Scorer) pairScorers(ids PairIDs, batch, users int) ([]ScoreFunc, error) {
	batch = max(batch, 1)
	ms, err := s.models(batch, (users+rankChunk-1)/rankChunk)
	if err != nil {
		return nil, err
	}
	fs := make([]ScoreFunc, len(ms))
	for i, m := range ms {
		fs[i] = PairScorer(m, ids, batch)
	}
	return fs, nil
}

// leaveOneOut runs LeaveOneOut's protocol, users in chunks of rankChunk
// on len(score) threads, thread w scoring with score[w]; the ranks are
// added to the metrics in user order.
func leaveOneOut(ctx context.Context, score []ScoreFunc, in data.Interactions, split data.LOOSplit, ks ...int) (*metric.Report, error) {
	if len(split.Test) == 0 {
		return nil, fmt.Errorf("leave-one-out: no held-out users")
	}
	acc, err := metric.NewRankingAccumulator(ks...)
	if err != nil {
		return nil, err
	}
	negs := len(split.Negatives[0])
	users := len(split.Test)
	type buffers struct {
		items  []int32
		scores []float32
	}
	bufs := make([]buffers, len(score))
	ranks := make([]int, users)
	err = parallel.Do(len(score), (users+rankChunk-1)/rankChunk, func(w, c int) error {
		lo := c * rankChunk
		if ctx.Err() != nil {
			return fmt.Errorf("leave-one-out: stopped after %d of %d users: %w", lo, users, ctx.Err())
		}
		b := &bufs[w]
		if b.scores == nil {
			b.items, b.scores = make([]int32, 0, negs+1), make([]float32, negs+1)
		}
		for i := lo; i < min(lo+rankChunk, users); i++ {
			r := split.Test[i]
			if len(split.Negatives[i]) != negs {
				return fmt.Errorf("leave-one-out: held-out row %d has %d negatives, the first %d", r, len(split.Negatives[i]), negs)
			}
			b.items = append(append(b.items[:0], in.Items[r]), split.Negatives[i]...)
			score[w](in.Users[r], b.items, b.scores)
			rank, err := metric.RankOfPositive(b.scores[0], b.scores[1:])
			if err != nil {
				return fmt.Errorf("leave-one-out: user %d: %w", in.Users[r], err)
			}
			ranks[i] = rank
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, rank := range ranks {
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

// fullRanking runs FullRanking's protocol, users in chunks of rankChunk on
// len(score) threads, thread w scoring with score[w]; the ranks are added
// to the metrics in user order.
func fullRanking(ctx context.Context, score []ScoreFunc, numItems int, seen *data.UserItems, test map[int32][]int32, ks ...int) (*metric.Report, error) {
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
	type buffers struct {
		scratch    metric.RankScratch
		candidates []int32
		scores     []float32
		relevant   []bool
		isTest     []bool
	}
	bufs := make([]buffers, len(score))
	ranks := make([][]int, len(users)) // nil: a user without test items
	err = parallel.Do(len(score), (len(users)+rankChunk-1)/rankChunk, func(w, c int) error {
		lo := c * rankChunk
		if ctx.Err() != nil {
			return fmt.Errorf("full ranking: stopped after %d of %d users: %w", lo, len(users), ctx.Err())
		}
		b := &bufs[w]
		if b.scores == nil {
			b.candidates = make([]int32, 0, numItems)
			b.scores, b.relevant, b.isTest = make([]float32, numItems), make([]bool, numItems), make([]bool, numItems)
		}
		for k := lo; k < min(lo+rankChunk, len(users)); k++ {
			u := users[k]
			r, err := rankUser(score[w], b.candidates[:0], b.scores, b.relevant, b.isTest, &b.scratch, u, numItems, seen, test[u])
			if err != nil {
				return err
			}
			ranks[k] = slices.Clone(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range ranks {
		if r == nil {
			continue
		}
		if err := acc.AddRanks(r); err != nil {
			return nil, err
		}
	}
	rep := metric.NewReport(metric.ProtocolFullRanking)
	if err := acc.AddTo(rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// rankUser ranks user u's test items among the candidates of full
// ranking, every item but those u interacted with in training, with
// score; the other arguments are buffers of numItems entries (isTest all
// false, as it is left). The ranks returned are owned by scratch. A user
// without test items has none (nil).
func rankUser(score ScoreFunc, candidates []int32, scores []float32, relevant, isTest []bool, scratch *metric.RankScratch, u int32, numItems int, seen *data.UserItems, items []int32) ([]int, error) {
	if len(items) == 0 {
		return nil, nil
	}
	for _, it := range items {
		if it < 0 || int(it) >= numItems {
			return nil, fmt.Errorf("full ranking: user %d: item %d outside [0, %d)", u, it, numItems)
		}
	}
	for _, it := range items {
		isTest[it] = true
	}
	defer func() {
		for _, it := range items {
			isTest[it] = false
		}
	}()
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
	ranks, err := metric.RelevantRanks(scratch, scores[:n], relevant[:n])
	if err != nil {
		return nil, fmt.Errorf("full ranking: user %d: %w", u, err)
	}
	return ranks, nil
}

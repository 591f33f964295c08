package implicit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// Instances are one epoch's training pairs: each positive (label 1)
// followed, before shuffling, by its sampled negatives (label 0).
type Instances struct {
	Users, Items []int32
	Labels       []float32
}

// InstanceSampler builds each epoch's training instances from the positive
// rows: every positive with Negatives items the user has no training
// interaction with, drawn afresh every epoch (NegativeSampler.SetEpoch),
// the whole list then shuffled. Epoch e's instances depend only on the
// seed and e, so a run is reproducible bit for bit; the buffers are
// allocated once and reused by every epoch.
type InstanceSampler struct {
	in        data.Interactions
	rows      []int32
	negatives int
	seed      uint64
	sampler   *data.NegativeSampler
	buf       Instances
	neg       []int32
}

// NewInstanceSampler returns the sampler of the given training rows of in
// with negatives negatives per positive. It refuses an id outside in's
// NumUsers or NumItems, and a user with no item left to sample.
func NewInstanceSampler(in data.Interactions, rows []int32, negatives int, seed uint64) (*InstanceSampler, error) {
	if negatives < 0 {
		return nil, fmt.Errorf("negatives = %d per positive, want ≥ 0", negatives)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no training rows")
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	users := make([]int32, len(rows))
	items := make([]int32, len(rows))
	for k, r := range rows {
		if r < 0 || int(r) >= len(in.Users) {
			return nil, fmt.Errorf("training row %d outside the %d interactions", r, len(in.Users))
		}
		users[k], items[k] = in.Users[r], in.Items[r]
	}
	seen := data.NewUserItems(users, items, in.NumUsers)
	if negatives > 0 {
		for _, u := range users {
			if len(seen.Items(u)) >= in.NumItems {
				return nil, fmt.Errorf("user %d interacted with all %d items in training: no negative to sample", u, in.NumItems)
			}
		}
	}
	n := len(rows) * (1 + negatives)
	return &InstanceSampler{
		in: in, rows: rows, negatives: negatives, seed: seed,
		sampler: data.NewNegativeSampler(seen, in.NumItems, seed),
		buf:     Instances{Users: make([]int32, n), Items: make([]int32, n), Labels: make([]float32, n)},
		neg:     make([]int32, 0, negatives),
	}, nil
}

// Epoch returns epoch e's shuffled instances. They live in the sampler's
// buffers until the next call.
func (s *InstanceSampler) Epoch(e int) Instances {
	s.sampler.SetEpoch(e)
	b := s.buf
	k := 0
	for _, r := range s.rows {
		u := s.in.Users[r]
		b.Users[k], b.Items[k], b.Labels[k] = u, s.in.Items[r], 1
		k++
		s.neg = s.sampler.Sample(u, s.negatives, s.neg[:0])
		for _, it := range s.neg {
			b.Users[k], b.Items[k], b.Labels[k] = u, it, 0
			k++
		}
	}
	rng := rand.New(rand.NewPCG(s.seed, uint64(e)+0x5f5f))
	rng.Shuffle(len(b.Users), func(i, j int) {
		b.Users[i], b.Users[j] = b.Users[j], b.Users[i]
		b.Items[i], b.Items[j] = b.Items[j], b.Items[i]
		b.Labels[i], b.Labels[j] = b.Labels[j], b.Labels[i]
	})
	return b
}

// TrainConfig holds the training loop's settings. Zero fields take the
// defaults noted.
type TrainConfig struct {
	// Epochs is the number of passes over the positives (required ≥ 1).
	Epochs int
	// Batch is the number of instances (positives and negatives) per
	// step. Default 256, NCF's.
	Batch int
	// Negatives is the number of sampled negatives per positive. Default
	// 4, NCF's.
	Negatives int
	// LR is the learning rate (required > 0).
	LR float64
	// Optimizer is "adam" (default; β 0.9, 0.999, ε 1e-8) or "sgd" (plain,
	// as NeuMF's fine-tuning).
	Optimizer string
	// L2 is a penalty (λ/2)‖w‖² on the dense weights and on the embedding
	// rows each batch touches (0: none, NCF's default).
	L2 float64
	// Seed selects the negatives and the shuffling.
	Seed uint64
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Batch == 0 {
		c.Batch = 256
	}
	if c.Negatives == 0 {
		c.Negatives = 4
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	return c
}

func (c TrainConfig) check(maxBatch int) error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("epochs = %d, want ≥ 1", c.Epochs)
	case c.Batch < 1 || c.Batch > maxBatch:
		return fmt.Errorf("batch = %d, want 1 to the model's maximum %d", c.Batch, maxBatch)
	case c.Negatives < 1:
		return fmt.Errorf("negatives = %d per positive, want ≥ 1", c.Negatives)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("learning rate = %v, want a finite value > 0", c.LR)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 0):
		return fmt.Errorf("l2 = %v, want a finite value ≥ 0", c.L2)
	case c.Optimizer != "adam" && c.Optimizer != "sgd":
		return fmt.Errorf("optimizer %q, want adam or sgd", c.Optimizer)
	}
	return nil
}

// newOptimizer puts every weight of m in one group.
func (c TrainConfig) newOptimizer(m Model) *optim.Optimizer {
	var rule optim.Rule = optim.Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	if c.Optimizer == "sgd" {
		rule = optim.SGD{}
	}
	g := optim.NewGroup("all", rule, float32(c.LR)).AddParams(m.Params()...)
	g.L2 = float32(c.L2)
	reg := optim.TableReg{}
	if c.L2 > 0 {
		reg = optim.TableReg{Kind: optim.RegBatch, L2: float32(c.L2)}
	}
	for _, t := range m.Tables() {
		g.AddTable(t, reg)
	}
	return optim.New(g)
}

// EpochStats describes one finished epoch.
type EpochStats struct {
	// Epoch counts from 1.
	Epoch int
	// Loss is the mean log loss over the epoch's instances.
	Loss float64
	// Seconds is the epoch's training time (sampling included).
	Seconds float64
}

// Train fits m to the given rows of in (the positives) with log loss on
// cfg.Negatives sampled negatives per positive, resampled every epoch, in
// shuffled mini-batches. after, when not nil, is called after every epoch;
// it returns true to stop early. Training is single-threaded unless blas
// is told otherwise, and deterministic: the same model, rows and config
// give the same weights bit for bit. Interactions with ids outside the
// model's users and items are an error naming them, not a panic.
func Train(ctx context.Context, m Model, in data.Interactions, rows []int32, cfg TrainConfig, after func(EpochStats) (stop bool, err error)) ([]EpochStats, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(m.MaxBatch()); err != nil {
		return nil, fmt.Errorf("train %s: %w", m.Name(), err)
	}
	if c, ok := m.(configured); ok {
		if mc := c.config(); in.NumUsers > mc.Users || in.NumItems > mc.Items {
			return nil, fmt.Errorf("train %s: the interactions have %d users and %d items, the model was built for %d and %d", m.Name(), in.NumUsers, in.NumItems, mc.Users, mc.Items)
		}
	}
	s, err := NewInstanceSampler(in, rows, cfg.Negatives, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", m.Name(), err)
	}
	opt := cfg.newOptimizer(m)
	dlogit := make([]float32, cfg.Batch)
	var stats []EpochStats
	for e := range cfg.Epochs {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		start := time.Now()
		inst := s.Epoch(e)
		var sum float64
		n := len(inst.Users)
		for lo := 0; lo < n; lo += cfg.Batch {
			// An epoch takes seconds: stop within one batch of a cancel.
			if err := ctx.Err(); err != nil {
				return stats, fmt.Errorf("train %s: epoch %d: stopped after %d of %d instances: %w", m.Name(), e+1, lo, n, err)
			}
			hi := min(lo+cfg.Batch, n)
			logits := m.Forward(inst.Users[lo:hi], inst.Items[lo:hi])
			loss := nn.SigmoidLogLoss(dlogit[:hi-lo], logits, inst.Labels[lo:hi], nil)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return stats, fmt.Errorf("train %s: epoch %d: loss is %v at instance %d (lower the learning rate)", m.Name(), e+1, loss, lo)
			}
			sum += loss * float64(hi-lo)
			m.Backward(dlogit[:hi-lo])
			opt.Step()
		}
		st := EpochStats{Epoch: e + 1, Loss: sum / float64(n), Seconds: time.Since(start).Seconds()}
		stats = append(stats, st)
		if after != nil {
			stop, err := after(st)
			if err != nil {
				return stats, err
			}
			if stop {
				break
			}
		}
	}
	return stats, nil
}

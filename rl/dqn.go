package rl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/train"
)

// Replay is DRN's replay memory: a ring of the most recent steps, each the
// feature rows of the items shown at one request with their rewards, and the
// next state of the same user as the feature rows of (up to MaxNext of) its
// candidates. All storage is allocated at construction.
type Replay struct {
	capacity, width, maxRows, maxNext int

	rows    []float32 // capacity × maxRows × width
	rewards []float32 // capacity × maxRows
	nRows   []int32
	next    []float32 // capacity × maxNext × width
	nNext   []int32
	size    int
	pos     int
}

// NewReplay returns an empty memory for capacity steps of at most maxRows
// shown items and maxNext next-state candidates, rows of the given width.
func NewReplay(capacity, width, maxRows, maxNext int) (*Replay, error) {
	switch {
	case capacity < 1:
		return nil, fmt.Errorf("rl: replay capacity = %d, want ≥ 1", capacity)
	case width < 1:
		return nil, fmt.Errorf("rl: replay row width = %d, want ≥ 1", width)
	case maxRows < 1:
		return nil, fmt.Errorf("rl: replay rows per step = %d, want ≥ 1", maxRows)
	case maxNext < 1:
		return nil, fmt.Errorf("rl: replay next-state candidates = %d, want ≥ 1", maxNext)
	}
	return &Replay{
		capacity: capacity, width: width, maxRows: maxRows, maxNext: maxNext,
		rows:    make([]float32, capacity*maxRows*width),
		rewards: make([]float32, capacity*maxRows),
		nRows:   make([]int32, capacity),
		next:    make([]float32, capacity*maxNext*width),
		nNext:   make([]int32, capacity),
	}, nil
}

// Len is the number of steps stored.
func (r *Replay) Len() int { return r.size }

// Add stores one step, overwriting the oldest when full: rows holds
// len(rewards) feature rows of the shown items, next holds nNext rows of the
// next state's candidates (nNext = 0 for a terminal step: no return).
// Rows beyond maxRows and candidates beyond maxNext are dropped.
func (r *Replay) Add(rows, rewards, next []float32, nNext int) {
	w := r.width
	n := min(len(rewards), r.maxRows)
	nNext = min(nNext, r.maxNext)
	i := r.pos
	copy(r.rows[i*r.maxRows*w:], rows[:n*w])
	copy(r.rewards[i*r.maxRows:], rewards[:n])
	r.nRows[i] = int32(n)
	copy(r.next[i*r.maxNext*w:], next[:nNext*w])
	r.nNext[i] = int32(nNext)
	r.pos = (r.pos + 1) % r.capacity
	if r.size < r.capacity {
		r.size++
	}
}

// DQNConfig tunes the major update of the double DQN.
type DQNConfig struct {
	// Gamma is the discount of the next state's value, in [0, 1).
	Gamma float64
	// BatchSize is the number of replayed steps per update.
	BatchSize int
	// LR is Adam's learning rate.
	LR float32
	// TargetSync is the number of updates between copies of W into the
	// target network W'.
	TargetSync int
	// ClipNorm bounds the global norm of the gradient of the mean squared
	// TD error (0: no clipping).
	ClipNorm float32
}

// Validate reports the first field outside its range.
func (c DQNConfig) Validate() error {
	switch {
	case !(c.Gamma >= 0 && c.Gamma < 1):
		return fmt.Errorf("rl: DQNConfig.Gamma = %v, want in [0, 1)", c.Gamma)
	case c.BatchSize < 1:
		return fmt.Errorf("rl: DQNConfig.BatchSize = %d, want ≥ 1", c.BatchSize)
	case !(c.LR > 0) || math.IsInf(float64(c.LR), 0):
		return fmt.Errorf("rl: DQNConfig.LR = %v, want finite > 0", c.LR)
	case c.TargetSync < 1:
		return fmt.Errorf("rl: DQNConfig.TargetSync = %d, want ≥ 1", c.TargetSync)
	case !(c.ClipNorm >= 0) || math.IsInf(float64(c.ClipNorm), 0):
		return fmt.Errorf("rl: DQNConfig.ClipNorm = %v, want finite ≥ 0", c.ClipNorm)
	}
	return nil
}

// DQN trains an online network W against a target network W' with the double
// DQN target y = r + γ·Q(s', argmax_a' Q(s', a'; W); W'): W picks the next
// action, W' values it, which removes the max operator's upward bias. The
// regression of Q(s, a; W) on y is a step of the shared trainer
// (train.Stepper: squared error, Adam, gradient clipping); the replay, the
// targets and the target network are DQN's own.
type DQN struct {
	Config         DQNConfig
	Online, Target *model.QNet

	step    *train.Stepper
	updates int
	idx     []int
	batch   model.Batch // the replayed rows (Values) and their targets (Label)
	nx      []float32   // next-state rows of the batch
	qo, qt  []float32   // online and target Q of the next-state rows
}

// NewDQN wraps online (trained with Adam) and target (a copy of it, refreshed
// every TargetSync updates) for replay memories shaped like r. online's
// MaxBatch must hold BatchSize·maxRows rows.
func NewDQN(cfg DQNConfig, online, target *model.QNet, r *Replay) (*DQN, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if online.Width() != r.width || target.Width() != r.width {
		return nil, fmt.Errorf("rl: DQN: network rows of width %d, replay rows of width %d", online.Width(), r.width)
	}
	need := cfg.BatchSize * r.maxRows
	if online.MaxBatch() < need {
		return nil, fmt.Errorf("rl: DQN: online network batch %d < BatchSize·rows per step = %d", online.MaxBatch(), need)
	}
	target.CopyFrom(online)
	tc := train.Config{Optimizer: optim.Spec{Rule: "adam", LR: float64(cfg.LR)}, ClipNorm: float64(cfg.ClipNorm)}
	opt, err := train.NewOptimizer(online, tc)
	if err != nil {
		return nil, fmt.Errorf("rl: DQN: %w", err)
	}
	step, err := train.NewStepper(online, opt, train.Regression, need)
	if err != nil {
		return nil, fmt.Errorf("rl: DQN: %w", err)
	}
	w := r.width
	return &DQN{
		Config: cfg, Online: online, Target: target, step: step,
		idx:   make([]int, cfg.BatchSize),
		batch: model.Batch{Values: make([]float32, need*w), Label: make([]float32, need)},
		nx:    make([]float32, cfg.BatchSize*r.maxNext*w),
		qo:    make([]float32, cfg.BatchSize*r.maxNext),
		qt:    make([]float32, cfg.BatchSize*r.maxNext),
	}, nil
}

// Updates is the number of major updates done.
func (d *DQN) Updates() int { return d.updates }

// Update does one major update from BatchSize steps drawn uniformly with
// replacement from r, and returns the mean squared TD error before the step
// (NaN, and nothing done, when r is empty). A TD error that is not finite
// is an error wrapping train.ErrDiverged, and the weights stay as they
// were.
func (d *DQN) Update(r *Replay, rng *rand.Rand) (float64, error) {
	if r.size == 0 {
		return math.NaN(), nil
	}
	w := r.width
	// Gather the next states first: scoring them overwrites the online
	// network's activations, which the batch's backward pass needs.
	tot := 0
	for b := range d.idx {
		i := rng.IntN(r.size)
		d.idx[b] = i
		k := int(r.nNext[i])
		copy(d.nx[tot*w:(tot+k)*w], r.next[i*r.maxNext*w:])
		tot += k
	}
	d.Online.Score(d.nx, tot, d.qo)
	d.Target.Score(d.nx, tot, d.qt)
	n, off := 0, 0
	gamma := float32(d.Config.Gamma)
	x, y := d.batch.Values, d.batch.Label
	for _, i := range d.idx {
		k, m := int(r.nNext[i]), int(r.nRows[i])
		var future float32
		if k > 0 {
			best := off
			for j := off + 1; j < off+k; j++ {
				if d.qo[j] > d.qo[best] {
					best = j
				}
			}
			future = gamma * d.qt[best]
		}
		off += k
		copy(x[n*w:(n+m)*w], r.rows[i*r.maxRows*w:])
		for j := 0; j < m; j++ {
			y[n+j] = r.rewards[i*r.maxRows+j] + future
		}
		n += m
	}
	d.batch.N = n
	loss, err := d.step.Step(&d.batch)
	if err != nil {
		return loss, fmt.Errorf("rl: major update %d: %w", d.updates+1, err)
	}
	d.updates++
	if d.updates%d.Config.TargetSync == 0 {
		d.Target.CopyFrom(d.Online)
	}
	return loss, nil
}

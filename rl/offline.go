package rl

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/simulator"
	"github.com/recforge/recforge/train"
)

// OfflineConfig sets up an OfflinePolicy: the supervised baseline DRN is
// compared with, a click model trained once on logged impressions and then
// ranking greedily without further learning.
type OfflineConfig struct {
	// Model is a registered CTR model name ("deepfm").
	Model string
	// Params is the model's JSON hyper-parameters; empty takes
	// DefaultOffline's for DeepFM, else the model's defaults.
	Params []byte
	// WarmupHours is the simulated time during which the policy shows random
	// slates and logs their impressions; it trains at the first request at or
	// after it.
	WarmupHours float64
	// Epochs, Batch and LearnRate drive Adam over the log.
	Epochs    int
	Batch     int
	LearnRate float64
	// MaxLog caps the logged impressions (later ones are dropped).
	MaxLog int
	// AgeScale is the time constant, in hours, of the freshness feature
	// exp(−age/AgeScale) (DRN's own, so both see age the same way). A
	// bounded feature, unlike the raw age, cannot leave the range the log
	// covered when items grow older than any in the warm-up.
	AgeScale float64
	// Seed seeds the logging policy, the initialization and the shuffling.
	Seed uint64
}

// DefaultOffline returns a DeepFM (embedding 8, hidden [32, 16]) trained for
// 5 epochs after one simulated day of random logging.
func DefaultOffline() OfflineConfig {
	return OfflineConfig{
		Model: "deepfm", Params: []byte(`{"embedding_dim":8,"hidden":[32,16]}`),
		WarmupHours: 24, Epochs: 5, Batch: 256, LearnRate: 3e-3,
		MaxLog: 1 << 20, AgeScale: 24, Seed: 1,
	}
}

// Validate reports the first setting that cannot run, by field name.
func (c OfflineConfig) Validate() error {
	switch {
	case c.Model == "":
		return fmt.Errorf("rl: offline Model is empty")
	case !(c.WarmupHours > 0) || math.IsInf(c.WarmupHours, 0):
		return fmt.Errorf("rl: offline WarmupHours = %v, want > 0 and finite", c.WarmupHours)
	case c.Epochs < 1:
		return fmt.Errorf("rl: offline Epochs = %d, want ≥ 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("rl: offline Batch = %d, want ≥ 1", c.Batch)
	case !(c.LearnRate > 0):
		return fmt.Errorf("rl: offline LearnRate = %v, want > 0", c.LearnRate)
	case c.MaxLog < 1:
		return fmt.Errorf("rl: offline MaxLog = %d, want ≥ 1", c.MaxLog)
	case !(c.AgeScale > 0):
		return fmt.Errorf("rl: offline AgeScale = %v, want > 0", c.AgeScale)
	}
	if _, ok := model.Lookup(c.Model); !ok {
		return fmt.Errorf("rl: offline Model %q is not registered", c.Model)
	}
	return nil
}

// OfflinePolicy logs random slates for WarmupHours, fits a registered CTR
// model on (user id, user features, context, item features, item freshness →
// click), then ranks every later pool greedily by the model's score and never
// learns again. It is a simulator.Policy.
//
// The model's row is a user-id field (ids of users seen in the log; others
// get the padding id) followed by one numeric field per user feature, context
// feature, item feature and the item's freshness, standardised with the log's
// means and standard deviations.
type OfflinePolicy struct {
	cfg OfflineConfig
	rng *rand.Rand

	nUser, nCtx, nItem int  // widths, from the first request
	widths             bool // set once the widths are known
	nNum               int  // numeric fields: nUser + nCtx + nItem + 1

	// The log: one entry per shown position.
	logUser  []int32
	logNum   []float32 // nNum per entry
	logLabel []float32

	trained bool
	users   map[int32]int32 // user → row index within the user table (from 1)
	mean    []float32
	inv     []float32 // 1 / std
	m       model.Model
	layout  model.Layout
	batch   model.Batch
	maxB    int
	loss    float64 // mean training log loss of the last epoch

	perm, slate []int32
	scores      []float32
	row         []float32
	err         error
}

// NewOfflinePolicy returns an OfflinePolicy, or an error naming the bad
// setting.
func NewOfflinePolicy(cfg OfflineConfig) (*OfflinePolicy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &OfflinePolicy{cfg: cfg, rng: nn.NewRand(cfg.Seed)}, nil
}

// Err returns the first error met (inconsistent feature widths, a model that
// fails to build or diverges); the policy then shows random slates.
func (p *OfflinePolicy) Err() error { return p.err }

// Trained tells whether the model has been fitted; LogSize how many
// impressions it was (or will be) fitted on; TrainLoss the mean log loss of
// its last epoch.
func (p *OfflinePolicy) Trained() bool { return p.trained }

// LogSize returns the number of logged impressions.
func (p *OfflinePolicy) LogSize() int { return len(p.logLabel) }

// TrainLoss returns the mean training log loss of the last epoch (NaN before
// training).
func (p *OfflinePolicy) TrainLoss() float64 {
	if !p.trained {
		return math.NaN()
	}
	return p.loss
}

func (p *OfflinePolicy) checkWidths(req simulator.Request) bool {
	if p.err != nil {
		return false
	}
	if !p.widths {
		p.nUser, p.nCtx = len(req.UserFeat), len(req.Context)
		if len(req.Items) > 0 {
			p.nItem = len(req.Items[0].Features)
		}
		p.nNum = p.nUser + p.nCtx + p.nItem + 1
		p.row = make([]float32, p.nNum)
		p.widths = true
	}
	if len(req.UserFeat) != p.nUser || len(req.Context) != p.nCtx {
		p.err = fmt.Errorf("rl: offline: request %d has %d user and %d context features, want %d and %d",
			req.Seq, len(req.UserFeat), len(req.Context), p.nUser, p.nCtx)
		return false
	}
	for _, it := range req.Items {
		if len(it.Features) != p.nItem {
			p.err = fmt.Errorf("rl: offline: item %d has %d features, want %d", it.ID, len(it.Features), p.nItem)
			return false
		}
	}
	return true
}

// numeric writes the raw numeric fields of (req, item i) into dst.
func (p *OfflinePolicy) numeric(dst []float32, req simulator.Request, i int) {
	n := copy(dst, req.UserFeat)
	n += copy(dst[n:], req.Context)
	n += copy(dst[n:], req.Items[i].Features)
	dst[n] = float32(math.Exp(-(req.Time - req.Items[i].Born) / p.cfg.AgeScale))
}

// Rank implements simulator.Policy: random slates during the warm-up, the
// model's top k afterwards.
func (p *OfflinePolicy) Rank(req simulator.Request, k int) []int32 {
	n := len(req.Items)
	k = min(k, n)
	if k <= 0 {
		return p.slate[:0]
	}
	ok := p.checkWidths(req)
	if ok && !p.trained && req.Time >= p.cfg.WarmupHours {
		p.fit()
		ok = p.err == nil
	}
	if cap(p.perm) < n {
		p.perm = make([]int32, n)
		p.scores = make([]float32, n)
	}
	perm := p.perm[:n]
	for i := range perm {
		perm[i] = int32(i)
	}
	if !ok || !p.trained {
		// Partial Fisher–Yates: the first k of a uniform permutation.
		for i := range k {
			j := i + p.rng.IntN(n-i)
			perm[i], perm[j] = perm[j], perm[i]
		}
		p.slate = append(p.slate[:0], perm[:k]...)
		return p.slate
	}
	scores := p.scores[:n]
	p.score(req, scores)
	slices.SortStableFunc(perm, func(a, b int32) int { return cmp.Compare(scores[b], scores[a]) })
	p.slate = append(p.slate[:0], perm[:k]...)
	return p.slate
}

// Observe implements simulator.Policy: during the warm-up every shown
// position is logged with its click.
func (p *OfflinePolicy) Observe(req simulator.Request, slate []int32, fb simulator.Feedback) {
	if p.trained || p.err != nil || !p.widths || req.Time >= p.cfg.WarmupHours {
		return
	}
	for pos, i := range slate {
		if len(p.logLabel) >= p.cfg.MaxLog || pos >= len(fb.Clicks) {
			return
		}
		p.logUser = append(p.logUser, req.User)
		start := len(p.logNum)
		p.logNum = append(p.logNum, make([]float32, p.nNum)...)
		p.numeric(p.logNum[start:], req, int(i))
		var y float32
		if fb.Clicks[pos] {
			y = 1
		}
		p.logLabel = append(p.logLabel, y)
	}
}

// fit builds the model on the log and trains it; with an empty log the policy
// stays random.
func (p *OfflinePolicy) fit() {
	p.trained = true
	n := len(p.logLabel)
	if n == 0 {
		p.trained = false
		p.err = fmt.Errorf("rl: offline: no impressions were logged in the first %v hours", p.cfg.WarmupHours)
		return
	}
	// Users in order of first appearance, so the layout is deterministic.
	p.users = map[int32]int32{}
	for _, u := range p.logUser {
		if _, ok := p.users[u]; !ok {
			p.users[u] = int32(len(p.users) + 1)
		}
	}
	// Standardisation of the numeric fields.
	p.mean = make([]float32, p.nNum)
	p.inv = make([]float32, p.nNum)
	for j := range p.nNum {
		var s, ss float64
		for r := range n {
			v := float64(p.logNum[r*p.nNum+j])
			s += v
			ss += v * v
		}
		mu := s / float64(n)
		sd := math.Sqrt(max(ss/float64(n)-mu*mu, 0))
		p.mean[j] = float32(mu)
		p.inv[j] = 1
		if sd > 1e-8 {
			p.inv[j] = float32(1 / sd)
		}
	}
	const dim = 8 // table widths; DeepFM's embedding_dim overrides them
	l := model.Layout{Rows: 1}
	addTable := func(name string, size int, numeric bool, src feature.Source) {
		l.Tables = append(l.Tables, feature.Table{Name: name, Offset: int32(l.Rows), Size: int32(size), Dim: dim, Fields: []string{name}})
		l.Slots = append(l.Slots, model.Slot{Name: name, Table: len(l.Tables) - 1, Dim: dim, Source: src, Numeric: numeric})
		l.Rows += size
	}
	addTable("user", len(p.users)+1, false, feature.User)
	for j := range p.nNum {
		src := feature.Context
		switch {
		case j < p.nUser:
			src = feature.User
		case j >= p.nUser+p.nCtx:
			src = feature.Item
		}
		addTable(fmt.Sprintf("x%d", j), 1, true, src)
	}
	p.layout = l
	p.maxB = max(p.cfg.Batch, 128)
	m, _, err := model.New(p.cfg.Model, p.cfg.Params, model.Env{Layout: l, MaxBatch: p.maxB, Seed: p.cfg.Seed})
	if err != nil {
		p.trained = false
		p.err = fmt.Errorf("rl: offline model %s: %w", p.cfg.Model, err)
		return
	}
	p.m = m
	slots := len(l.Slots)
	p.batch = model.Batch{
		IDs: make([]int32, p.maxB*slots), Values: make([]float32, p.maxB*slots), Label: make([]float32, p.maxB),
	}
	tc := train.DefaultConfig()
	tc.Task, tc.Batch, tc.Epochs, tc.Seed = train.Binary, p.cfg.Batch, p.cfg.Epochs, p.cfg.Seed
	tc.Optimizer = optim.Spec{Rule: "adam", LR: p.cfg.LearnRate}
	res, err := train.Fit(context.Background(), m, logSource{p}, nil, tc, train.Options{})
	if err != nil {
		p.trained = false
		p.err = fmt.Errorf("rl: offline model %s: %w", p.cfg.Model, err)
		return
	}
	p.loss = res.Epochs[len(res.Epochs)-1].TrainLoss
	p.batch.Label = nil
	// The log is no longer needed.
	p.logUser, p.logNum, p.logLabel = nil, nil, nil
}

// logSource is the impression log as the trainer's examples, the same
// every epoch.
type logSource struct{ p *OfflinePolicy }

func (s logSource) Epoch(int) (int, error) { return len(s.p.logLabel), nil }

func (s logSource) Batch(idx []int32) *model.Batch {
	p := s.p
	b := &p.batch
	b.N = len(idx)
	for r, e := range idx {
		p.fillRow(r, p.users[p.logUser[e]], p.logNum[int(e)*p.nNum:(int(e)+1)*p.nNum])
		b.Label[r] = p.logLabel[e]
	}
	return b
}

// fillRow writes row r of the batch: the user's id and the standardised
// numeric fields raw.
func (p *OfflinePolicy) fillRow(r int, userRow int32, raw []float32) {
	slots := len(p.layout.Slots)
	ids := p.batch.IDs[r*slots : (r+1)*slots]
	vals := p.batch.Values[r*slots : (r+1)*slots]
	// A user not in the log gets the padding id 0 (no embedding).
	ids[0], vals[0] = 0, 1
	if userRow > 0 {
		ids[0] = p.layout.Tables[0].Offset + userRow
	}
	for j := range p.nNum {
		ids[1+j] = p.layout.Tables[1+j].Offset
		vals[1+j] = (raw[j] - p.mean[j]) * p.inv[j]
	}
}

// score writes the model's logit of every candidate of req into scores.
func (p *OfflinePolicy) score(req simulator.Request, scores []float32) {
	userRow := p.users[req.User] // 0 when the user was not in the log
	for lo := 0; lo < len(scores); lo += p.maxB {
		hi := min(lo+p.maxB, len(scores))
		p.batch.N = hi - lo
		for i := lo; i < hi; i++ {
			p.numeric(p.row, req, i)
			p.fillRow(i-lo, userRow, p.row)
		}
		copy(scores[lo:hi], p.m.Forward(&p.batch))
	}
}

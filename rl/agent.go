package rl

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/simulator"
)

// Exploration selects how the agent departs from its greedy ranking.
type Exploration int

// The exploration strategies.
const (
	// ExploreDBGD interleaves the slates of W and a perturbed W̃ and moves W
	// towards W̃ when W̃ wins (DRN).
	ExploreDBGD Exploration = iota
	// ExploreEpsGreedy fills each slate position with a uniformly drawn
	// remaining candidate with probability Epsilon, the best remaining one
	// otherwise (the DQN baseline).
	ExploreEpsGreedy
	// ExploreNone always shows the greedy top-k.
	ExploreNone
)

// String names the strategy.
func (e Exploration) String() string {
	switch e {
	case ExploreDBGD:
		return "dbgd"
	case ExploreEpsGreedy:
		return "eps-greedy"
	case ExploreNone:
		return "greedy"
	}
	return fmt.Sprintf("Exploration(%d)", int(e))
}

// Config configures an Agent. DRN and its baselines and ablations are all
// settings of it; see Preset.
type Config struct {
	// Seed seeds the weights (one stream) and every random choice (another).
	Seed uint64
	// Hidden lists the hidden widths of the value and advantage towers.
	Hidden []int

	// Exploration picks DBGD, ε-greedy or none.
	Exploration Exploration
	// Epsilon is ε of ε-greedy, in [0, 1].
	Epsilon float64
	// Alpha scales DBGD's perturbation ΔW = α·rand(−1, 1)·W, in (0, 1].
	Alpha float64
	// Eta is DBGD's step towards a winning explore network, in (0, 1].
	Eta float64
	// Tau sharpens probabilistic interleaving's rank distributions (> 0).
	Tau float64

	// Beta weighs the activeness reward: r = click + β·activeness. 0 trains
	// on clicks alone.
	Beta float64
	// Activeness is the survival model behind the activeness reward.
	Activeness ActivenessConfig

	// NoMajor turns the major (replay) updates off: only DBGD learns.
	NoMajor bool
	// MajorEvery is T_D, the number of requests between major updates.
	MajorEvery int
	// MajorIters is the number of mini-batch updates in one major update.
	MajorIters int
	// DQN tunes the major update.
	DQN DQNConfig
	// ReplaySize is the replay memory's capacity in requests.
	ReplaySize int
	// MaxSlate bounds the slate positions stored per request.
	MaxSlate int
	// NextCandidates is the number of the next state's candidates kept for
	// the double-DQN target: the top ones by the online network's Q when
	// the next request arrives (the argmax is taken among them).
	NextCandidates int

	// HistoryHalfLife (hours) decays the agent's user profiles and item
	// counts.
	HistoryHalfLife float64
	// FreshScale (hours) is the time constant of the freshness feature
	// exp(−age/FreshScale).
	FreshScale float64
}

// DefaultConfig returns the full DRN: DBGD exploration, activeness reward
// and major updates, with settings that train within seconds on the
// generative simulator's defaults.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Hidden: []int{32, 16},
		Exploration: ExploreDBGD, Epsilon: 0.1, Alpha: 0.1, Eta: 0.05, Tau: 3,
		Beta: 0.1, Activeness: DefaultActiveness(),
		MajorEvery: 10, MajorIters: 1,
		DQN:        DQNConfig{Gamma: 0.5, BatchSize: 32, LR: 1e-3, TargetSync: 50, ClipNorm: 10},
		ReplaySize: 5000, MaxSlate: 10, NextCandidates: 10,
		HistoryHalfLife: 72, FreshScale: 24,
	}
}

// PresetNames lists the names Preset accepts.
func PresetNames() []string {
	return []string{"drn", "drn-no-dbgd", "drn-no-activeness", "drn-no-major", "dqn", "dqn-no-activeness"}
}

// Preset returns a named variant of DefaultConfig:
//
//	drn                the full DRN (DBGD, activeness reward, major updates)
//	drn-no-dbgd        DRN without exploration (greedy slates)
//	drn-no-activeness  DRN with the click reward only (β = 0)
//	drn-no-major       DRN learning from DBGD alone, no replay updates
//	dqn                double DQN with ε-greedy exploration and the activeness reward
//	dqn-no-activeness  double DQN with ε-greedy exploration and clicks only
func Preset(name string) (Config, error) {
	c := DefaultConfig()
	switch name {
	case "drn":
	case "drn-no-dbgd":
		c.Exploration = ExploreNone
	case "drn-no-activeness":
		c.Beta = 0
	case "drn-no-major":
		c.NoMajor = true
	case "dqn":
		c.Exploration = ExploreEpsGreedy
	case "dqn-no-activeness":
		c.Exploration = ExploreEpsGreedy
		c.Beta = 0
	default:
		return Config{}, fmt.Errorf("rl: unknown preset %q (want one of %v)", name, PresetNames())
	}
	return c, nil
}

// Validate reports the first setting outside its range.
func (c Config) Validate() error {
	for i, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("rl: Config.Hidden[%d] = %d, want ≥ 1", i, h)
		}
	}
	switch c.Exploration {
	case ExploreDBGD:
		if !(c.Alpha > 0 && c.Alpha <= 1) {
			return fmt.Errorf("rl: Config.Alpha = %v, want in (0, 1]", c.Alpha)
		}
		if !(c.Eta > 0 && c.Eta <= 1) {
			return fmt.Errorf("rl: Config.Eta = %v, want in (0, 1]", c.Eta)
		}
		if !(c.Tau > 0) || math.IsInf(c.Tau, 0) {
			return fmt.Errorf("rl: Config.Tau = %v, want finite > 0", c.Tau)
		}
	case ExploreEpsGreedy:
		if !(c.Epsilon >= 0 && c.Epsilon <= 1) {
			return fmt.Errorf("rl: Config.Epsilon = %v, want in [0, 1]", c.Epsilon)
		}
	case ExploreNone:
	default:
		return fmt.Errorf("rl: Config.Exploration = %d, want ExploreDBGD, ExploreEpsGreedy or ExploreNone", int(c.Exploration))
	}
	if c.NoMajor && c.Exploration != ExploreDBGD {
		return fmt.Errorf("rl: Config.NoMajor with Exploration %v leaves nothing that learns (only DBGD updates without major updates)", c.Exploration)
	}
	if !(c.Beta >= 0) || math.IsInf(c.Beta, 0) {
		return fmt.Errorf("rl: Config.Beta = %v, want finite ≥ 0", c.Beta)
	}
	if err := c.Activeness.Validate(); err != nil {
		return err
	}
	if !c.NoMajor {
		if c.MajorEvery < 1 {
			return fmt.Errorf("rl: Config.MajorEvery = %d, want ≥ 1", c.MajorEvery)
		}
		if c.MajorIters < 1 {
			return fmt.Errorf("rl: Config.MajorIters = %d, want ≥ 1", c.MajorIters)
		}
		if err := c.DQN.Validate(); err != nil {
			return err
		}
	}
	switch {
	case c.ReplaySize < 1:
		return fmt.Errorf("rl: Config.ReplaySize = %d, want ≥ 1", c.ReplaySize)
	case c.MaxSlate < 1:
		return fmt.Errorf("rl: Config.MaxSlate = %d, want ≥ 1", c.MaxSlate)
	case c.NextCandidates < 1:
		return fmt.Errorf("rl: Config.NextCandidates = %d, want ≥ 1", c.NextCandidates)
	case !(c.HistoryHalfLife > 0) || math.IsInf(c.HistoryHalfLife, 0):
		return fmt.Errorf("rl: Config.HistoryHalfLife = %v hours, want finite > 0", c.HistoryHalfLife)
	case !(c.FreshScale > 0) || math.IsInf(c.FreshScale, 0):
		return fmt.Errorf("rl: Config.FreshScale = %v hours, want finite > 0", c.FreshScale)
	}
	return nil
}

// Diagnostics counts what the agent has done so far.
type Diagnostics struct {
	Steps        int64   // requests observed
	Duels        int64   // DBGD comparisons with at least one click
	ExploreWins  int64   // comparisons the explore network won (W moved)
	MajorUpdates int64   // mini-batch updates from the replay memory
	LossSum      float64 // sum of the mean squared TD errors of those updates
	ReplayLen    int     // steps in the replay memory
}

// Agent is DRN as a simulator policy: it ranks each request's candidates by
// the dueling double DQN's Q(s, a), explores by DBGD (or ε-greedy), and
// learns by minor updates after every request and major updates from the
// replay memory every MajorEvery requests. It implements simulator.Policy.
//
// The network is built at the first request, from the widths of its user,
// context and item features; a later request of other widths is an error
// (Err), after which Rank returns empty slates. Observe must follow Rank for
// the same request, as simulator.Run does.
type Agent struct {
	cfg  Config
	err  error
	dims dims

	rng     *rand.Rand
	enc     *feature.Encoders // the fields of a row, for the saved policy
	params  []byte            // the Q-network's resolved hyper-parameters
	online  *model.QNet
	explore *model.QNet
	target  *model.QNet
	dqn     *DQN
	replay  *Replay
	dbgd    *DBGD
	il      *Interleaver

	users  []userState
	items  []itemState
	itemIx map[int32]int

	// Per-request buffers, grown with the largest pool seen.
	state         []float32
	feat          []float32
	q, qe         []float32
	order, orderE []int32
	used          []bool
	next          []float32
	slate         []int32
	from          []int8
	stepRows      []float32
	rewards       []float32

	lastSeq int64
	ranked  bool
	diag    Diagnostics
}

// NewAgent returns an agent for cfg, or the first invalid setting.
func NewAgent(cfg Config) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	a := &Agent{cfg: cfg, rng: nn.NewRand(cfg.Seed ^ 0xd1b54a32d192ed03), itemIx: map[int32]int{}}
	return a, nil
}

// Config returns the agent's configuration.
func (a *Agent) Config() Config { return a.cfg }

// Err returns the error that stopped the agent, if any.
func (a *Agent) Err() error { return a.err }

// Diagnostics returns the agent's counters.
func (a *Agent) Diagnostics() Diagnostics {
	d := a.diag
	if a.replay != nil {
		d.ReplayLen = a.replay.Len()
	}
	return d
}

// Online returns the online network W (nil before the first request).
func (a *Agent) Online() *model.QNet { return a.online }

func (a *Agent) build(d dims) error {
	if d.item == 0 {
		return fmt.Errorf("rl: the first request's items have no features")
	}
	a.dims = d
	cfg := a.cfg
	schema := d.schema()
	var err error
	if a.enc, err = feature.NewEncoders(&schema, nil, nil); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	if a.params, err = json.Marshal(model.QNetConfig{Hidden: cfg.Hidden, Activation: "relu"}); err != nil {
		return err
	}
	layout := model.NewLayout(a.enc)
	// The online network's weights come from the agent's seed; the explore
	// and target networks only score, and their weights are copies.
	if a.online, err = a.newQNet(layout, max(256, cfg.DQN.BatchSize*cfg.MaxSlate), cfg.Seed); err != nil {
		return err
	}
	if a.explore, err = a.newQNet(layout, 256, 0); err != nil {
		return err
	}
	if a.target, err = a.newQNet(layout, 256, 0); err != nil {
		return err
	}
	w := d.width()
	if a.replay, err = NewReplay(cfg.ReplaySize, w, cfg.MaxSlate, cfg.NextCandidates); err != nil {
		return err
	}
	if !cfg.NoMajor {
		if a.dqn, err = NewDQN(cfg.DQN, a.online, a.target, a.replay); err != nil {
			return err
		}
	}
	if cfg.Exploration == ExploreDBGD {
		if a.dbgd, err = NewDBGD(cfg.Alpha, cfg.Eta); err != nil {
			return err
		}
		if a.il, err = NewInterleaver(cfg.Tau); err != nil {
			return err
		}
	}
	a.state = make([]float32, d.state())
	a.next = make([]float32, cfg.NextCandidates*w)
	a.stepRows = make([]float32, cfg.MaxSlate*w)
	a.rewards = make([]float32, cfg.MaxSlate)
	return nil
}

// newQNet builds the registered Q-network ("drn") over layout.
func (a *Agent) newQNet(layout model.Layout, maxBatch int, seed uint64) (*model.QNet, error) {
	m, _, err := model.New("drn", a.params, model.Env{Layout: layout, MaxBatch: maxBatch, Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	return m.(*model.QNet), nil
}

func (a *Agent) user(id int32) *userState {
	if id < 0 {
		return nil
	}
	for int(id) >= len(a.users) {
		a.users = append(a.users, userState{})
	}
	u := &a.users[id]
	if u.profile == nil {
		u.profile = make([]float32, a.dims.item)
	}
	return u
}

// sortBy fills order[:n] with 0..n−1 by descending q, ties by index, so
// that the ranking is deterministic.
func sortBy(order []int32, q []float32) {
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		switch {
		case q[x] > q[y]:
			return -1
		case q[x] < q[y]:
			return 1
		}
		return int(x - y)
	})
}

// Rank implements simulator.Policy. The returned slice is owned by the agent
// and valid until the next call.
func (a *Agent) Rank(req simulator.Request, k int) []int32 {
	a.ranked = false
	if a.err != nil || k < 1 || len(req.Items) == 0 {
		return a.slate[:0]
	}
	d := dimsOf(req)
	if a.online == nil {
		if err := a.build(d); err != nil {
			a.err = err
			return nil
		}
	} else if d != a.dims {
		a.err = fmt.Errorf("rl: request %d has user/context/item widths %d/%d/%d, the agent was built for %d/%d/%d",
			req.Seq, d.user, d.ctx, d.item, a.dims.user, a.dims.ctx, a.dims.item)
		return nil
	}
	for i := range req.Items {
		if len(req.Items[i].Features) != d.item {
			a.err = fmt.Errorf("rl: request %d: item %d has %d features, want %d", req.Seq, req.Items[i].ID,
				len(req.Items[i].Features), d.item)
			return nil
		}
	}
	u := a.user(req.User)
	if u == nil {
		a.err = fmt.Errorf("rl: request %d has negative user id %d", req.Seq, req.User)
		return nil
	}
	a.decayUser(u, req.Time)
	u.act.Visit(a.cfg.Activeness, req.Time)
	n := len(req.Items)
	a.fill(req, u)
	w := a.dims.width()
	a.online.Score(a.feat, n, a.q)
	order := a.order[:n]
	sortBy(order, a.q[:n])

	if u.pending { // this request is the next state of the user's last step
		m := min(a.cfg.NextCandidates, n)
		for j, c := range order[:m] {
			copy(a.next[j*w:(j+1)*w], a.feat[int(c)*w:])
		}
		a.replay.Add(u.pendRows, u.pendRewards, a.next, m)
		u.pending = false
	}

	k = min(k, n)
	if cap(a.slate) < k {
		a.slate = make([]int32, k)
		a.from = make([]int8, k)
	}
	slate := a.slate[:k]
	switch a.cfg.Exploration {
	case ExploreDBGD:
		a.dbgd.Explore(a.online, a.explore, a.rng)
		a.explore.Score(a.feat, n, a.qe)
		sortBy(a.orderE[:n], a.qe[:n])
		a.il.Interleave(order, a.orderE[:n], k, a.rng, slate, a.from[:k])
	case ExploreEpsGreedy:
		used := a.used[:n]
		clear(used)
		next := 0 // the best candidate not yet placed is order[next] or later
		for i := range slate {
			var c int32
			if a.rng.Float64() < a.cfg.Epsilon {
				// Uniform among the n−i free candidates: the r-th free one.
				r := a.rng.IntN(n - i)
				for j := 0; ; j++ {
					if !used[j] {
						if r == 0 {
							c = int32(j)
							break
						}
						r--
					}
				}
			} else {
				for used[order[next]] {
					next++
				}
				c = order[next]
			}
			used[c] = true
			slate[i] = c
		}
	default:
		copy(slate, order[:k])
	}
	a.lastSeq, a.ranked = req.Seq, true
	return slate
}

// Observe implements simulator.Policy: it updates the agent's view of the
// user and items, runs the minor update (DBGD), stores the step in the replay
// memory (at once when the user does not return, otherwise when their next
// request supplies the next state), and runs a major update every
// MajorEvery requests.
func (a *Agent) Observe(req simulator.Request, slate []int32, fb simulator.Feedback) {
	if a.err != nil || !a.ranked {
		return
	}
	if req.Seq != a.lastSeq {
		a.err = fmt.Errorf("rl: Observe for request %d, but the last request ranked was %d", req.Seq, a.lastSeq)
		return
	}
	a.ranked = false
	if len(fb.Clicks) != len(slate) {
		a.err = fmt.Errorf("rl: request %d: %d clicks for a slate of %d", req.Seq, len(fb.Clicks), len(slate))
		return
	}
	n, w := len(req.Items), a.dims.width()
	for i, c := range slate {
		if c < 0 || int(c) >= n {
			a.err = fmt.Errorf("rl: request %d: slate[%d] = %d is not a candidate index", req.Seq, i, c)
			return
		}
	}
	a.diag.Steps++
	u := &a.users[req.User]

	// Rewards: the click plus β times the activeness after the user's next
	// visit; a user who does not come back ends the episode with activeness
	// decayed to 0 and no future value.
	returns := !math.IsInf(fb.ReturnGap, 1) && !math.IsNaN(fb.ReturnGap)
	var active float64
	if returns {
		active = min(1, u.act.At(a.cfg.Activeness, req.Time+max(fb.ReturnGap, 0))+a.cfg.Activeness.Jump)
	}
	m := min(len(slate), a.cfg.MaxSlate)
	for i, c := range slate[:m] {
		copy(a.stepRows[i*w:(i+1)*w], a.feat[int(c)*w:])
		r := a.cfg.Beta * active
		if fb.Clicks[i] {
			r++
		}
		a.rewards[i] = float32(r)
	}

	// The agent's own history of the user and items.
	t := req.Time
	for i, c := range slate {
		it := &req.Items[c]
		is := a.item(it.ID, t)
		is.imps++
		if fb.Clicks[i] {
			is.clicks++
			u.clicks++
			for j, x := range it.Features {
				u.profile[j] += x
			}
			if tp := int(it.Topic); tp >= 0 {
				for tp >= len(u.topics) {
					u.topics = append(u.topics, 0)
				}
				u.topics[tp]++
			}
		}
	}

	if a.cfg.Exploration == ExploreDBGD {
		cw, ce := Credit(a.from[:len(slate)], fb.Clicks)
		if cw+ce > 0 {
			a.diag.Duels++
		}
		if a.dbgd.Duel(a.online, a.from[:len(slate)], fb.Clicks) {
			a.diag.ExploreWins++
		}
	}

	if m > 0 {
		if returns {
			if u.pendRows == nil {
				u.pendRows = make([]float32, a.cfg.MaxSlate*w)
				u.pendRewards = make([]float32, 0, a.cfg.MaxSlate)
			}
			copy(u.pendRows, a.stepRows[:m*w])
			u.pendRewards = append(u.pendRewards[:0], a.rewards[:m]...)
			u.pending = true
		} else {
			a.replay.Add(a.stepRows[:m*w], a.rewards[:m], nil, 0)
		}
	}

	if a.dqn != nil && a.diag.Steps%int64(a.cfg.MajorEvery) == 0 && a.replay.Len() > 0 {
		for range a.cfg.MajorIters {
			loss, err := a.dqn.Update(a.replay, a.rng)
			if err != nil {
				a.err = err
				return
			}
			a.diag.LossSum += loss
			a.diag.MajorUpdates++
		}
	}
}

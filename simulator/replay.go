package simulator

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Replay sources understood by NewReplay.
const (
	SourceMovieLens = "ml-100k"          // u.data (timestamps, ratings) and u.item (19 genres)
	SourceAmazon    = "amazon-video-seq" // SASRec's Video.txt: per-user item sequences, no timestamps
)

// ReplayConfig sets up a semi-synthetic world fitted on a real log. Horizon
// 0 means the log's time span (MovieLens only; Amazon has no timestamps).
type ReplayConfig struct {
	Process
	Source       string  // SourceMovieLens or SourceAmazon
	Dir          string  // folder holding the source's files
	Dim          int     // factors of the logistic matrix factorisation
	Epochs       int     // SGD passes over the log
	LearnRate    float64 // SGD step
	L2           float64 // L2 penalty on factors and item biases, per update
	NegPerPos    int     // unobserved items sampled as non-clicks per positive
	MeanProb     float64 // mean true click probability of a random user and item (before freshness), set by shifting the global bias
	MinLife      float64 // hours an item stays in circulation at least (Amazon: exactly)
	MeanGap      float64 // MovieLens: mean gap of users with a single session in the log; Amazon: the gap of a user with the median activity
	DriftTau     float64 // hours over which preferences wander around the fitted ones; 0 = static
	DriftStd     float64 // stationary std of the wandering, per factor
	FeatureNoise float64 // Amazon: std of the noise on item factors shown as features, relative to the factors' std
}

// DefaultReplay returns settings for source read from dir: 16 factors, 8
// epochs, four sampled negatives per positive, a mean click probability of
// 5 %, static preferences, and for MovieLens the log's whole span, for
// Amazon 30 simulated days.
func DefaultReplay(source, dir string) ReplayConfig {
	p := DefaultProcess()
	p.Horizon = 0
	p.FreshHalfLife = 24 * 30
	c := ReplayConfig{Process: p, Source: source, Dir: dir, Dim: 16, Epochs: 8, LearnRate: 0.05, L2: 1e-4,
		NegPerPos: 4, MeanProb: 0.05, MinLife: 72, MeanGap: 72, FeatureNoise: 0.5}
	if source == SourceAmazon {
		c.Horizon = 24 * 30
		c.FreshHalfLife = 24
	}
	return c
}

func (c *ReplayConfig) validate() error {
	switch {
	case c.Source != SourceMovieLens && c.Source != SourceAmazon:
		return fmt.Errorf("simulator: replay Source must be %q or %q, got %q", SourceMovieLens, SourceAmazon, c.Source)
	case c.Dim < 1:
		return fmt.Errorf("simulator: replay Dim must be at least 1, got %d", c.Dim)
	case c.Epochs < 1:
		return fmt.Errorf("simulator: replay Epochs must be at least 1, got %d", c.Epochs)
	case !(c.LearnRate > 0) || math.IsInf(c.LearnRate, 0):
		return fmt.Errorf("simulator: replay LearnRate must be positive and finite, got %v", c.LearnRate)
	case !(c.L2 >= 0):
		return fmt.Errorf("simulator: replay L2 must be ≥ 0, got %v", c.L2)
	case c.NegPerPos < 0:
		return fmt.Errorf("simulator: replay NegPerPos must be ≥ 0, got %d", c.NegPerPos)
	case !(c.MeanProb > 0 && c.MeanProb < 1):
		return fmt.Errorf("simulator: replay MeanProb must lie in (0, 1), got %v", c.MeanProb)
	case !(c.MinLife > 0):
		return fmt.Errorf("simulator: replay MinLife must be > 0 hours, got %v", c.MinLife)
	case !(c.MeanGap > 0):
		return fmt.Errorf("simulator: replay MeanGap must be > 0 hours, got %v", c.MeanGap)
	case !(c.DriftTau >= 0):
		return fmt.Errorf("simulator: replay DriftTau must be ≥ 0 hours, got %v", c.DriftTau)
	case !(c.DriftStd >= 0):
		return fmt.Errorf("simulator: replay DriftStd must be ≥ 0, got %v", c.DriftStd)
	case !(c.FeatureNoise >= 0):
		return fmt.Errorf("simulator: replay FeatureNoise must be ≥ 0, got %v", c.FeatureNoise)
	case c.Source == SourceAmazon && c.Horizon == 0:
		return fmt.Errorf("simulator: replay Horizon must be set for %s, which has no timestamps", SourceAmazon)
	}
	return nil
}

// replayLog is a log read from disk, ids from 0.
type replayLog struct {
	users, items int
	events       []logEvent // grouped by user, in time order within a user
	hasTime      bool
	genres       [][]float32 // MovieLens: multi-hot genres per item
}

type logEvent struct {
	user, item int32
	t          float64 // hours since the log's first event (MovieLens)
	pos        bool    // a click (rating ≥ 4, or any Amazon interaction)
}

// readMovieLens reads u.data and u.item.
func readMovieLens(dir string) (*replayLog, error) {
	lg := &replayLog{hasTime: true}
	var minTS float64 = math.Inf(1)
	err := eachLine(filepath.Join(dir, "u.data"), func(ln int, s string) error {
		f := strings.Fields(s)
		if len(f) != 4 {
			return fmt.Errorf("want 4 tab-separated fields (user item rating timestamp), got %d", len(f))
		}
		var v [4]int64
		for i := range v {
			x, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				return fmt.Errorf("field %d: %v", i+1, err)
			}
			v[i] = x
		}
		if v[0] < 1 || v[1] < 1 || v[0] > 1<<30 || v[1] > 1<<30 {
			return fmt.Errorf("user and item ids must be in 1..2^30, got %d and %d", v[0], v[1])
		}
		lg.events = append(lg.events, logEvent{user: int32(v[0] - 1), item: int32(v[1] - 1), t: float64(v[3]), pos: v[2] >= 4})
		lg.users = max(lg.users, int(v[0]))
		lg.items = max(lg.items, int(v[1]))
		minTS = min(minTS, float64(v[3]))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(lg.events) == 0 {
		return nil, fmt.Errorf("simulator: %s holds no ratings", filepath.Join(dir, "u.data"))
	}
	for i := range lg.events {
		lg.events[i].t = (lg.events[i].t - minTS) / 3600
	}
	sort.SliceStable(lg.events, func(a, b int) bool {
		ea, eb := &lg.events[a], &lg.events[b]
		if ea.user != eb.user {
			return ea.user < eb.user
		}
		return ea.t < eb.t
	})
	lg.genres = make([][]float32, lg.items)
	err = eachLine(filepath.Join(dir, "u.item"), func(ln int, s string) error {
		f := strings.Split(s, "|")
		if len(f) != 24 {
			return fmt.Errorf("want 24 |-separated fields (id, title, dates, url, 19 genre flags), got %d", len(f))
		}
		id, err := strconv.Atoi(f[0])
		if err != nil || id < 1 {
			return fmt.Errorf("item id %q is not a positive integer", f[0])
		}
		if id > lg.items {
			return nil // a movie nobody rated never enters circulation
		}
		g := make([]float32, 19)
		for j := range g {
			switch f[5+j] {
			case "1":
				g[j] = 1
			case "0":
			default:
				return fmt.Errorf("genre flag %d is %q, want 0 or 1", j, f[5+j])
			}
		}
		lg.genres[id-1] = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, g := range lg.genres {
		if g == nil {
			return nil, fmt.Errorf("simulator: item %d is rated in u.data but missing from u.item", i+1)
		}
	}
	return lg, nil
}

// readSASRec reads "user item" lines, ids from 1, each user's lines in order.
func readSASRec(path string) (*replayLog, error) {
	lg := &replayLog{}
	err := eachLine(path, func(ln int, s string) error {
		f := strings.Fields(s)
		if len(f) != 2 {
			return fmt.Errorf("want 2 space-separated fields (user item), got %d", len(f))
		}
		u, err1 := strconv.Atoi(f[0])
		i, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || u < 1 || i < 1 || u > 1<<30 || i > 1<<30 {
			return fmt.Errorf("ids must be integers in 1..2^30, got %q %q", f[0], f[1])
		}
		lg.events = append(lg.events, logEvent{user: int32(u - 1), item: int32(i - 1), pos: true})
		lg.users = max(lg.users, u)
		lg.items = max(lg.items, i)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(lg.events) == 0 {
		return nil, fmt.Errorf("simulator: %s holds no interactions", path)
	}
	sort.SliceStable(lg.events, func(a, b int) bool { return lg.events[a].user < lg.events[b].user })
	return lg, nil
}

// eachLine calls fn on every non-empty line, wrapping its error with the place.
func eachLine(path string, fn func(ln int, s string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("simulator: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if err := fn(ln, s); err != nil {
			return fmt.Errorf("simulator: %s line %d: %v", path, ln, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("simulator: reading %s: %v", path, err)
	}
	return nil
}

// mfModel is a logistic matrix factorisation: P(click) = σ(b0 + b_i + p_u·q_i).
type mfModel struct {
	dim  int
	p, q []float64
	b    []float64
	b0   float64
}

func (m *mfModel) logit(u, i int32) float64 {
	z := m.b0 + m.b[i]
	pu, qi := m.p[int(u)*m.dim:(int(u)+1)*m.dim], m.q[int(i)*m.dim:(int(i)+1)*m.dim]
	for j := range pu {
		z += pu[j] * qi[j]
	}
	return z
}

// fitMF fits the factorisation by SGD on the log's labels plus sampled
// unobserved items as non-clicks.
func fitMF(lg *replayLog, cfg *ReplayConfig, rng *rand.Rand) *mfModel {
	d := cfg.Dim
	m := &mfModel{dim: d, p: make([]float64, lg.users*d), q: make([]float64, lg.items*d), b: make([]float64, lg.items)}
	for i := range m.p {
		m.p[i] = 0.1 * rng.NormFloat64()
	}
	for i := range m.q {
		m.q[i] = 0.1 * rng.NormFloat64()
	}
	order := make([]int32, len(lg.events))
	for i := range order {
		order[i] = int32(i)
	}
	lr, l2 := cfg.LearnRate, cfg.L2
	step := func(u, i int32, y float64) {
		g := y - 1/(1+math.Exp(-m.logit(u, i)))
		pu, qi := m.p[int(u)*d:(int(u)+1)*d], m.q[int(i)*d:(int(i)+1)*d]
		for j := range pu {
			a, c := pu[j], qi[j]
			pu[j] += lr * (g*c - l2*a)
			qi[j] += lr * (g*a - l2*c)
		}
		m.b[i] += lr * (g - l2*m.b[i])
		m.b0 += lr * g * 0.1
	}
	for ep := 0; ep < cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, k := range order {
			e := &lg.events[k]
			if e.pos {
				step(e.user, e.item, 1)
				for n := 0; n < cfg.NegPerPos; n++ {
					step(e.user, int32(rng.IntN(lg.items)), 0)
				}
			} else {
				step(e.user, e.item, 0)
			}
		}
	}
	return m
}

// calibrate shifts b0 so that the mean of σ(logit) over random user–item
// pairs is target, by bisection on a fixed sample.
func (m *mfModel) calibrate(users, items int, target float64, rng *rand.Rand) {
	const n = 20000
	z := make([]float64, n)
	for k := range z {
		z[k] = m.logit(int32(rng.IntN(users)), int32(rng.IntN(items)))
	}
	lo, hi := -30.0, 30.0
	for it := 0; it < 100; it++ {
		mid := (lo + hi) / 2
		var s float64
		for _, v := range z {
			s += 1 / (1 + math.Exp(-(v + mid)))
		}
		if s/n > target {
			hi = mid
		} else {
			lo = mid
		}
	}
	m.b0 += (lo + hi) / 2
}

// NewReplay builds a semi-synthetic world from a real log, as described in
// the package documentation. It reads and fits the log each time; use
// FitReplay to fit once and start several worlds.
func NewReplay(cfg ReplayConfig) (*World, error) {
	m, err := FitReplay(cfg)
	if err != nil {
		return nil, err
	}
	return m.NewWorld(), nil
}

// ReplayModel is a log read and fitted once; each NewWorld starts an
// identical fresh world from it (same seed, same items and users).
type ReplayModel struct {
	cfg       ReplayConfig
	numTopics int
	items     []*worldItem // shared, never modified by a run
	bias      float64
	theta     []float64 // users × Dim fitted preferences
	meanGap   []float64
	start     []float64 // first arrival; NaN for a user who never visits
}

// FitReplay reads the log named by cfg and fits the click model.
func FitReplay(cfg ReplayConfig) (*ReplayModel, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var lg *replayLog
	var err error
	if cfg.Source == SourceMovieLens {
		lg, err = readMovieLens(cfg.Dir)
	} else {
		lg, err = readSASRec(filepath.Join(cfg.Dir, "Video.txt"))
	}
	if err != nil {
		return nil, err
	}
	rng := newRng(cfg.Seed, streamItems)
	m := fitMF(lg, &cfg, rng)
	m.calibrate(lg.users, lg.items, cfg.MeanProb, rng)

	// Per-user first time, last time and number of sessions (gaps over an hour).
	first := make([]float64, lg.users)
	last := make([]float64, lg.users)
	nsess := make([]int, lg.users)
	count := make([]int, lg.users)
	for i, e := range lg.events {
		count[e.user]++
		if i == 0 || lg.events[i-1].user != e.user {
			first[e.user], last[e.user], nsess[e.user] = e.t, e.t, 1
			continue
		}
		if e.t-last[e.user] > 1 {
			nsess[e.user]++
		}
		last[e.user] = e.t
	}
	if cfg.Horizon == 0 {
		for _, e := range lg.events {
			cfg.Horizon = max(cfg.Horizon, e.t)
		}
		if cfg.Horizon == 0 {
			return nil, fmt.Errorf("simulator: the log's timestamps span no time; set Horizon")
		}
	}
	if err := cfg.Process.validate(); err != nil {
		return nil, err
	}

	// Items: features, topic, birth and death.
	witems := make([]*worldItem, lg.items)
	var qstd float64
	for _, v := range m.q {
		qstd += v * v
	}
	qstd = math.Sqrt(qstd / float64(len(m.q)))
	numTopics := 19
	if cfg.Source == SourceAmazon {
		numTopics = cfg.Dim
	}
	born := make([]float64, lg.items)
	dies := make([]float64, lg.items)
	for i := range born {
		born[i], dies[i] = math.Inf(1), math.Inf(-1)
	}
	if lg.hasTime {
		for _, e := range lg.events {
			born[e.item] = min(born[e.item], e.t)
			dies[e.item] = max(dies[e.item], e.t)
		}
	}
	for i := range witems {
		lat := make([]float32, cfg.Dim)
		for j := range lat {
			lat[j] = float32(m.q[i*cfg.Dim+j])
		}
		it := &worldItem{Item: Item{ID: int32(i)}, latent: lat, quality: m.b[i]}
		if cfg.Source == SourceMovieLens {
			it.Features = lg.genres[i]
			it.Topic = int32(max(0, slices.Index(it.Features, 1)))
			it.Born = born[i]
			it.dies = max(dies[i], born[i]+cfg.MinLife)
		} else {
			// No content in the log: the features shown are the fitted item
			// factors blurred by noise, a stand-in for content features.
			f := make([]float32, cfg.Dim)
			best := 0
			for j := range f {
				f[j] = lat[j] + float32(cfg.FeatureNoise*qstd*rng.NormFloat64())
				if f[j] > f[best] {
					best = j
				}
			}
			it.Features, it.Topic = f, int32(best)
			it.Born = -cfg.MinLife + rng.Float64()*(cfg.Horizon+cfg.MinLife)
			it.dies = it.Born + cfg.MinLife
		}
		witems[i] = it
	}
	sort.SliceStable(witems, func(a, b int) bool { return witems[a].Born < witems[b].Born })

	rm := &ReplayModel{cfg: cfg, numTopics: numTopics, items: witems, bias: m.b0, theta: m.p,
		meanGap: make([]float64, lg.users), start: make([]float64, lg.users)}
	urng := newRng(cfg.Seed, streamUserInit)
	counts := slices.Clone(count)
	slices.Sort(counts)
	median := float64(counts[len(counts)/2])
	for u := range rm.start {
		rm.start[u] = math.NaN()
		if count[u] == 0 {
			continue // a user id with no events never visits
		}
		if lg.hasTime {
			rm.meanGap[u] = cfg.MeanGap
			if nsess[u] > 1 {
				rm.meanGap[u] = (last[u] - first[u]) / float64(nsess[u]-1)
			}
			rm.start[u] = first[u]
		} else {
			// Activity from the log: the more interactions, the shorter the gap.
			rm.meanGap[u] = min(max(cfg.MeanGap*median/float64(count[u]), cfg.MeanGap/10), cfg.MeanGap*10)
			rm.start[u] = urng.Float64() * rm.meanGap[u]
		}
	}
	return rm, nil
}

// NewWorld starts a fresh world from the fitted model.
func (rm *ReplayModel) NewWorld() *World {
	cfg := &rm.cfg
	w := newWorld(cfg.Process, cfg.Dim, rm.numTopics, len(rm.start), &replaySource{items: rm.items})
	w.bias = rm.bias
	w.driftTau, w.driftStd = cfg.DriftTau, cfg.DriftStd
	for u := range w.users {
		us := &w.users[u]
		copy(us.theta, rm.theta[u*cfg.Dim:(u+1)*cfg.Dim])
		copy(us.anchor, us.theta)
		us.meanGap = rm.meanGap[u]
		if !math.IsNaN(rm.start[u]) {
			us.lastDrift = rm.start[u]
			w.schedule(int32(u), rm.start[u])
		}
	}
	return &World{w}
}

// replaySource releases preloaded items in order of birth.
type replaySource struct {
	items []*worldItem
	next  int
}

func (s *replaySource) bornUpTo(t float64) []*worldItem {
	i := s.next
	for s.next < len(s.items) && s.items[s.next].Born <= t {
		s.next++
	}
	return s.items[i:s.next]
}

package simulator

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Process holds the settings every environment shares: the horizon, the
// candidate pool, freshness, sessions and returns, and the metric windows.
type Process struct {
	Seed          uint64  // seeds every random stream of the environment
	Horizon       float64 // simulated hours; requests at or after it are not issued
	PoolSize      int     // candidates per request, sampled from the items alive (all of them when fewer)
	FreshHalfLife float64 // hours for an item's click probability to halve with age; 0 turns freshness off
	ContinueProb  float64 // probability that a visit goes on to another request, in [0, 1)
	InSessionGap  float64 // mean hours between requests within a visit
	ReturnGain    float64 // the mean gap to the next visit is divided by 1 + ReturnGain·(clicks in the visit)
	ReturnWindow  float64 // hours within which a user must come back to count as returned
	WindowHours   float64 // width of the Stats windows
	HistHalfLife  float64 // half-life in hours of the click history behind Request.UserFeat
}

func (p *Process) validate() error {
	switch {
	case !(p.Horizon > 0) || math.IsInf(p.Horizon, 0):
		return fmt.Errorf("simulator: Horizon must be a positive finite number of hours, got %v", p.Horizon)
	case p.PoolSize < 1:
		return fmt.Errorf("simulator: PoolSize must be at least 1, got %d", p.PoolSize)
	case !(p.FreshHalfLife >= 0):
		return fmt.Errorf("simulator: FreshHalfLife must be ≥ 0 hours (0 = no freshness decay), got %v", p.FreshHalfLife)
	case !(p.ContinueProb >= 0 && p.ContinueProb < 1):
		return fmt.Errorf("simulator: ContinueProb must lie in [0, 1), got %v", p.ContinueProb)
	case !(p.InSessionGap > 0):
		return fmt.Errorf("simulator: InSessionGap must be > 0 hours, got %v", p.InSessionGap)
	case !(p.ReturnGain >= 0):
		return fmt.Errorf("simulator: ReturnGain must be ≥ 0, got %v", p.ReturnGain)
	case !(p.ReturnWindow > 0):
		return fmt.Errorf("simulator: ReturnWindow must be > 0 hours, got %v", p.ReturnWindow)
	case !(p.WindowHours > 0):
		return fmt.Errorf("simulator: WindowHours must be > 0 hours, got %v", p.WindowHours)
	case !(p.HistHalfLife > 0):
		return fmt.Errorf("simulator: HistHalfLife must be > 0 hours, got %v", p.HistHalfLife)
	}
	return nil
}

// DefaultProcess returns settings for a news-like site: a week of simulated
// time, 100 candidates, freshness halving every 12 hours, visits of about
// 2.5 requests, and a return window of one day.
func DefaultProcess() Process {
	return Process{Seed: 1, Horizon: 168, PoolSize: 100, FreshHalfLife: 12, ContinueProb: 0.6,
		InSessionGap: 0.05, ReturnGain: 1, ReturnWindow: 24, WindowHours: 24, HistHalfLife: 72}
}

// Stream identifiers for the independent random streams: items and pools
// depend only on time, so every policy meets the same catalogue.
const (
	streamItems = iota + 1
	streamPool
	streamClicks
	streamReturn
	streamUserInit
	streamUsers // per-user drift streams start here
)

// worldItem is an item with its hidden parameters.
type worldItem struct {
	Item
	latent  []float32 // the vector θ_u is dotted with
	quality float64   // added to the logit
	dies    float64   // leaves circulation at this hour
}

// worldUser is a user's hidden and observed state.
type worldUser struct {
	theta, anchor []float64 // preferences now, and what the drift reverts to
	lastDrift     float64
	rng           *rand.Rand
	meanGap       float64 // mean hours to the next visit with no clicks
	sessPos       int32   // requests so far in the current visit
	sessClicks    int32
	hist          []float32 // decayed clicks per topic
	histT         float64
	totalClicks   float64
	requests      float64
	lastVisit     float64
}

// source adds items to the world as time passes.
type source interface {
	// bornUpTo returns the items born at or before t not returned before, in
	// order of birth.
	bornUpTo(t float64) []*worldItem
}

// world is the engine behind every environment: users, items, their hidden
// parameters, the arrival queue and the metrics.
type world struct {
	p         Process
	dim       int
	numTopics int
	bias      float64
	driftTau  float64 // OU correlation time in hours; 0 = static preferences
	driftStd  float64 // stationary std of θ around the anchor
	users     []worldUser
	src       source
	live      []*worldItem
	deaths    deathHeap // death times of the items not yet counted out
	alive     int       // live items not yet dead
	mark      []int64   // per live position, the stamp of the last request that drew it
	stamp     int64
	queue     arrivals
	poolRng   *rand.Rand
	clickRng  *rand.Rand
	retRng    *rand.Rand
	met       *metrics
	seq       int64
	pending   bool
	done      bool
	cur       Request
	curItems  []*worldItem
	curProbs  []float64
	thetaBuf  []float64
	idxBuf    []int
}

func newRng(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9e3779b97f4a7c15+1))
}

// newWorld sets up the engine; the caller fills users' theta, anchor and
// meanGap and gives first arrival times.
func newWorld(p Process, dim, numTopics, numUsers int, src source) *world {
	w := &world{p: p, dim: dim, numTopics: numTopics, src: src,
		poolRng: newRng(p.Seed, streamPool), clickRng: newRng(p.Seed, streamClicks), retRng: newRng(p.Seed, streamReturn),
		met: newMetrics(p.WindowHours, p.Horizon)}
	w.users = make([]worldUser, numUsers)
	w.thetaBuf = make([]float64, 2*numUsers*dim)
	for u := range w.users {
		us := &w.users[u]
		us.theta = w.thetaBuf[2*u*dim : (2*u+1)*dim : (2*u+1)*dim]
		us.anchor = w.thetaBuf[(2*u+1)*dim : (2*u+2)*dim : (2*u+2)*dim]
		us.rng = newRng(p.Seed, streamUsers+uint64(u))
		us.hist = make([]float32, numTopics)
	}
	return w
}

// schedule queues user u's first request at time t (ignored past the horizon).
func (w *world) schedule(u int32, t float64) {
	w.users[u].lastVisit = math.NaN()
	if t < w.p.Horizon {
		heap.Push(&w.queue, arrival{t: t, user: u})
	}
}

// driftTo moves user u's preferences to time t: an Ornstein–Uhlenbeck step
// θ ← μ + a(θ − μ) + σ√(1 − a²)·ε with a = exp(−Δ/τ), which keeps θ's
// stationary law N(μ, σ²) while decorrelating it over a time of order τ.
func (w *world) driftTo(u int32, t float64) {
	us := &w.users[u]
	dt := t - us.lastDrift
	if w.driftTau <= 0 || dt <= 0 {
		return
	}
	a := math.Exp(-dt / w.driftTau)
	s := w.driftStd * math.Sqrt(1-a*a)
	for j := range us.theta {
		us.theta[j] = us.anchor[j] + a*(us.theta[j]-us.anchor[j]) + s*us.rng.NormFloat64()
	}
	us.lastDrift = t
}

// freshness is the multiplier on the click probability of an item of the given age.
func (w *world) freshness(age float64) float64 {
	if w.p.FreshHalfLife == 0 || age <= 0 {
		return 1
	}
	return math.Exp2(-age / w.p.FreshHalfLife)
}

// prob is the true click probability of it for user u at time t.
func (w *world) prob(u int32, it *worldItem, t float64) float64 {
	th := w.users[u].theta
	z := w.bias + it.quality
	for j, v := range it.latent {
		z += th[j] * float64(v)
	}
	return w.freshness(t-it.Born) / (1 + math.Exp(-z))
}

// advance brings the set of live items to time t. Dead items are counted
// out at once (a heap of death times) but removed from live only when they
// make up half of it, so the cost per request stays independent of the
// number of live items; pool sampling skips the dead ones.
func (w *world) advance(t float64) {
	for _, it := range w.src.bornUpTo(t) {
		w.live = append(w.live, it)
		heap.Push(&w.deaths, it.dies)
		w.alive++
	}
	for w.deaths.Len() > 0 && w.deaths[0] <= t {
		heap.Pop(&w.deaths)
		w.alive--
	}
	if 2*w.alive > len(w.live) {
		return
	}
	// Remove the dead keeping the order of the rest, so pools depend on time only.
	n := 0
	for _, it := range w.live {
		if it.dies > t {
			w.live[n] = it
			n++
		}
	}
	clear(w.live[n:])
	w.live = w.live[:n]
}

// samplePool fills w.curItems with a uniform sample of min(PoolSize, alive)
// live items without replacement.
func (w *world) samplePool(t float64) {
	w.curItems = w.curItems[:0]
	n := len(w.live)
	k := min(w.p.PoolSize, w.alive)
	if n > 4*k {
		// Many more candidates than needed: draw positions and reject the
		// dead and the repeated, the latter marked with this request's stamp.
		if len(w.mark) < n {
			w.mark = append(w.mark, make([]int64, n-len(w.mark))...)
		}
		w.stamp++
		for len(w.curItems) < k {
			j := w.poolRng.IntN(n)
			it := w.live[j]
			if it.dies <= t || w.mark[j] == w.stamp {
				continue
			}
			w.mark[j] = w.stamp
			w.curItems = append(w.curItems, it)
		}
		return
	}
	// Few candidates: a partial Fisher–Yates shuffle over all positions,
	// keeping the first k alive.
	if cap(w.idxBuf) < n {
		w.idxBuf = make([]int, n)
	}
	idx := w.idxBuf[:n]
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < n && len(w.curItems) < k; i++ {
		j := i + w.poolRng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
		if it := w.live[idx[i]]; it.dies > t {
			w.curItems = append(w.curItems, it)
		}
	}
}

// Next implements Env.
func (w *world) Next() (Request, bool) {
	if w.pending {
		// The previous request went unanswered: the run is broken, stop it
		// rather than invent an outcome.
		w.done = true
	}
	if w.done || w.queue.Len() == 0 {
		w.done = true
		return Request{}, false
	}
	a := heap.Pop(&w.queue).(arrival)
	t, u := a.t, a.user
	w.advance(t)
	w.driftTo(u, t)
	us := &w.users[u]

	w.samplePool(t)
	items := make([]Item, len(w.curItems))
	for i, it := range w.curItems {
		items[i] = it.Item
	}
	w.curProbs = w.curProbs[:0]
	for _, it := range w.curItems {
		w.curProbs = append(w.curProbs, w.prob(u, it, t))
	}

	// Observed user features: click history by topic (decayed), volume and recency.
	w.decayHist(us, t)
	feat := make([]float32, w.numTopics+3)
	var hs float32
	for _, v := range us.hist {
		hs += v
	}
	if hs > 0 {
		for j, v := range us.hist {
			feat[j] = v / hs
		}
	}
	feat[w.numTopics] = float32(math.Log1p(us.totalClicks) / 5)
	feat[w.numTopics+1] = float32(math.Log1p(us.requests) / 5)
	since := 1.0
	if !math.IsNaN(us.lastVisit) {
		since = math.Min((t-us.lastVisit)/168, 1)
	}
	feat[w.numTopics+2] = float32(since)
	hour := math.Mod(t, 24) / 24 * 2 * math.Pi
	first := float32(0)
	if us.sessPos == 0 {
		first = 1
	}
	ctx := []float32{float32(math.Sin(hour)), float32(math.Cos(hour)), float32(min(us.sessPos, 10)) / 10, first}

	w.cur = Request{Seq: w.seq, Time: t, User: u, UserFeat: feat, Context: ctx, Items: items}
	w.seq++
	w.pending = true
	return w.cur, true
}

func (w *world) decayHist(us *worldUser, t float64) {
	if t > us.histT {
		f := float32(math.Exp2(-(t - us.histT) / w.p.HistHalfLife))
		for j := range us.hist {
			us.hist[j] *= f
		}
		us.histT = t
	}
}

// errNotOutstanding is returned for a request other than the outstanding one.
var errNotOutstanding = errors.New("simulator: the request answered is not the one outstanding (each request from Next must be answered once, before the next call to Next)")

func (w *world) checkOutstanding(req Request) error {
	if !w.pending || req.Seq != w.cur.Seq {
		return errNotOutstanding
	}
	return nil
}

// TrueProbs implements Oracle.
func (w *world) TrueProbs(req Request) ([]float64, error) {
	if err := w.checkOutstanding(req); err != nil {
		return nil, err
	}
	return append([]float64(nil), w.curProbs...), nil
}

// Respond implements Env.
func (w *world) Respond(req Request, slate []int32) (Feedback, error) {
	if err := w.checkOutstanding(req); err != nil {
		return Feedback{}, err
	}
	n := len(w.curItems)
	for i, ix := range slate {
		if ix < 0 || int(ix) >= n {
			return Feedback{}, fmt.Errorf("simulator: slate[%d] = %d is not an index into the %d candidates", i, ix, n)
		}
		for _, jx := range slate[:i] {
			if jx == ix {
				return Feedback{}, fmt.Errorf("simulator: slate[%d] = %d repeats an earlier position", i, ix)
			}
		}
	}
	w.pending = false
	t, u := w.cur.Time, w.cur.User
	us := &w.users[u]
	clicks := make([]bool, len(slate))
	var nc int32
	for pos, ix := range slate {
		if w.clickRng.Float64() < w.curProbs[ix] {
			clicks[pos] = true
			nc++
			it := w.curItems[ix]
			us.hist[it.Topic]++
		}
	}
	us.totalClicks += float64(nc)
	us.requests++
	us.lastVisit = t
	us.sessClicks += nc
	w.met.slate(t, w.cur.Items, w.curProbs, slate, clicks)

	fb := Feedback{Clicks: clicks}
	var next float64
	if w.retRng.Float64() < w.p.ContinueProb {
		next = t + w.retRng.ExpFloat64()*w.p.InSessionGap
		us.sessPos++
	} else {
		fb.SessionEnd = true
		mean := us.meanGap / (1 + w.p.ReturnGain*float64(us.sessClicks))
		next = t + w.retRng.ExpFloat64()*mean
		w.met.sessionEnd(t, t+w.p.ReturnWindow <= w.p.Horizon, next-t <= w.p.ReturnWindow)
		us.sessPos, us.sessClicks = 0, 0
	}
	if next < w.p.Horizon {
		fb.ReturnGap = next - t
		heap.Push(&w.queue, arrival{t: next, user: u})
	} else {
		fb.ReturnGap = math.Inf(1)
	}
	return fb, nil
}

// Stats implements Env.
func (w *world) Stats() Stats { return w.met.stats() }

// arrival is a queued request.
type arrival struct {
	t    float64
	user int32
}

// arrivals is a min-heap by time, ties by user so the order is deterministic.
type arrivals []arrival

func (h arrivals) Len() int { return len(h) }
func (h arrivals) Less(i, j int) bool {
	if h[i].t != h[j].t {
		return h[i].t < h[j].t
	}
	return h[i].user < h[j].user
}
func (h arrivals) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *arrivals) Push(x any)   { *h = append(*h, x.(arrival)) }
func (h *arrivals) Pop() any     { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

// deathHeap is a min-heap of death times.
type deathHeap []float64

func (h deathHeap) Len() int           { return len(h) }
func (h deathHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h deathHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deathHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *deathHeap) Pop() any          { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

package rl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/simulator"
	"github.com/recforge/recforge/train"
)

// The worlds an Experiment runs in.
const (
	WorldGenerative  = "generative"   // planted preferences (simulator.NewGenerative)
	WorldMovieLens   = "ml-100k"      // fitted to MovieLens-100K's log
	WorldAmazonVideo = "amazon-video" // fitted to amazon-video-seq's log
)

// ExperimentPolicies are the policies an Experiment runs by default,
// baselines first; "oracle" may be asked for too.
func ExperimentPolicies() []string {
	return []string{"random", "popularity", "offline-deepfm", "dqn", "dqn-no-activeness",
		"drn", "drn-no-dbgd", "drn-no-activeness", "drn-no-major"}
}

// ExperimentMetrics are the metrics an Experiment summarizes, in order.
func ExperimentMetrics() []string { return []string{"ctr", "precision", "ndcg", "ils", "return_rate"} }

// ExperimentConfig is the protocol of `recforge drn`: every policy runs in a
// fresh world for every seed, and each metric is summarized over the seeds,
// over the whole run and over its last part (the long run). Zero sizes take
// the world's defaults.
type ExperimentConfig struct {
	// World is WorldGenerative, WorldMovieLens or WorldAmazonVideo
	// (simulator.SourceAmazon too); Data the folder of a fitted world's
	// log.
	World, Data string
	// Policies are run in this order (default ExperimentPolicies).
	Policies []string
	// Seeds runs seeds 1..Seeds of the world and the policies.
	Seeds int
	// K is the slate size.
	K int
	// Hours, Pool and Window override the world's horizon, candidates per
	// request and metrics window; Users the generative world's users.
	Hours, Window float64
	Pool, Users   int
	// LongRun is the fraction of simulated time, at the end, that the
	// long-run metrics cover, in (0, 1].
	LongRun float64
	// Offline sets up the offline-deepfm baseline (its Seed is each run's).
	Offline OfflineConfig
	// SavePolicy, when set, is the folder where the Q-network of the drn
	// agent's run with seed 1 is saved as a model artifact (pipeline's
	// one format), which `recforge serve` ranks candidates with; the
	// policies must then include drn.
	SavePolicy string
	// OnRun, when set, is called after every run.
	OnRun func(RunInfo)
}

// RunInfo is one finished run of an Experiment.
type RunInfo struct {
	Policy  string
	Seed    uint64
	Result  Result
	Seconds float64
}

// Summary is one metric's mean and sample standard deviation over seeds,
// and the runs it summarizes; runs with nothing to measure (NaN) are left
// out of the mean and std, which are NaN when every run is.
type Summary struct {
	Mean float64   `json:"mean"`
	Std  float64   `json:"std"`
	Runs []float64 `json:"runs"`
}

// PolicyResult is one policy's summaries over the seeds.
type PolicyResult struct {
	Policy   string             `json:"policy"`
	Whole    map[string]Summary `json:"whole"`
	LongRun  map[string]Summary `json:"long_run"`
	Requests []int64            `json:"requests"`
	Seconds  float64            `json:"seconds"`
	// Curves are the per-window metrics, the mean over seeds.
	Curves Result `json:"-"`
}

// ExperimentReport is what an Experiment measured.
type ExperimentReport struct {
	World       string         `json:"world"`
	Seeds       []uint64       `json:"seeds"`
	K           int            `json:"k"`
	Horizon     float64        `json:"horizon_hours"`
	LongRunFrom float64        `json:"long_run_from_hours"`
	WindowHours float64        `json:"window_hours"`
	OfflineWarm float64        `json:"offline_warmup_hours"`
	Results     []PolicyResult `json:"results"`
	// Policy is the saved policy's artifact folder, if any.
	Policy string `json:"policy_artifact,omitempty"`
}

// Validate reports the first setting that cannot run.
func (c *ExperimentConfig) Validate() error {
	switch {
	case c.Seeds < 1:
		return fmt.Errorf("rl: experiment seeds = %d, want ≥ 1", c.Seeds)
	case c.K < 1:
		return fmt.Errorf("rl: experiment slate size k = %d, want ≥ 1", c.K)
	case !(c.LongRun > 0 && c.LongRun <= 1):
		return fmt.Errorf("rl: experiment long-run fraction = %v, want in (0, 1]", c.LongRun)
	case c.Hours < 0 || c.Users < 0 || c.Pool < 0 || c.Window < 0:
		return fmt.Errorf("rl: experiment hours, users, pool and window must be ≥ 0 (0: the world's default)")
	}
	known := append(ExperimentPolicies(), "oracle")
	seen := map[string]bool{}
	for _, n := range c.policies() {
		if !slices.Contains(known, n) {
			return fmt.Errorf("unknown policy %q, expected one of %s", n, strings.Join(known, ", "))
		}
		if seen[n] {
			return fmt.Errorf("policy %q listed twice", n)
		}
		seen[n] = true
	}
	if c.SavePolicy != "" && !seen["drn"] {
		return fmt.Errorf("rl: saving the policy needs the drn policy among those run")
	}
	return c.Offline.Validate()
}

func (c *ExperimentConfig) policies() []string {
	if len(c.Policies) == 0 {
		return ExperimentPolicies()
	}
	return c.Policies
}

// worlds returns the constructor of a fresh world for a seed; replay worlds
// fit their log once per seed.
func (c *ExperimentConfig) worlds() (func(seed uint64) (*simulator.World, error), error) {
	process := func(p *simulator.Process) {
		if c.Hours > 0 {
			p.Horizon = c.Hours
		}
		if c.Pool > 0 {
			p.PoolSize = c.Pool
		}
		if c.Window > 0 {
			p.WindowHours = c.Window
		}
	}
	switch c.World {
	case WorldGenerative:
		if c.Data != "" {
			return nil, fmt.Errorf("rl: a data folder is for replay worlds; the generative world needs none")
		}
		return func(seed uint64) (*simulator.World, error) {
			cfg := simulator.DefaultGenerative()
			cfg.Seed = seed
			if c.Users > 0 {
				cfg.Users = c.Users
			}
			process(&cfg.Process)
			return simulator.NewGenerative(cfg)
		}, nil
	case WorldMovieLens, WorldAmazonVideo, simulator.SourceAmazon:
		if c.Data == "" {
			return nil, fmt.Errorf("rl: the %s world needs the folder of its log", c.World)
		}
		if c.Users > 0 {
			return nil, fmt.Errorf("rl: the number of users is for the generative world; a replay world has the log's users")
		}
		src := simulator.SourceMovieLens
		if c.World != WorldMovieLens {
			src = simulator.SourceAmazon
		}
		fitted := map[uint64]*simulator.ReplayModel{}
		return func(seed uint64) (*simulator.World, error) {
			rm := fitted[seed]
			if rm == nil {
				cfg := simulator.DefaultReplay(src, c.Data)
				cfg.Seed = seed
				process(&cfg.Process)
				var err error
				if rm, err = simulator.FitReplay(cfg); err != nil {
					return nil, err
				}
				fitted[seed] = rm
			}
			return rm.NewWorld(), nil
		}, nil
	}
	return nil, fmt.Errorf("unknown world %q, expected %s, %s or %s", c.World, WorldGenerative, WorldMovieLens, WorldAmazonVideo)
}

// NewPolicy builds the named policy of an Experiment for one seed in world
// w: a baseline, the oracle, or a Preset of the agent.
func NewPolicy(name string, seed uint64, w *simulator.World, off OfflineConfig) (simulator.Policy, error) {
	switch name {
	case "random":
		return simulator.NewRandomPolicy(seed), nil
	case "popularity":
		// Items live about two days: a six-hour half-life keeps the counts
		// recent.
		return simulator.NewPopularityPolicy(6, seed)
	case "offline-deepfm":
		off.Seed = seed
		return NewOfflinePolicy(off)
	case "oracle":
		return simulator.NewOraclePolicy(w), nil
	}
	cfg, err := Preset(name)
	if err != nil {
		return nil, err
	}
	cfg.Seed = seed
	return NewAgent(cfg)
}

// ctxEnv ends the horizon early when ctx is cancelled.
type ctxEnv struct {
	ctx context.Context
	simulator.Env
}

func (e ctxEnv) Next() (simulator.Request, bool) {
	if e.ctx.Err() != nil {
		return simulator.Request{}, false
	}
	return e.Env.Next()
}

// RunExperiment runs cfg's protocol. Cancelling ctx stops it with ctx's
// error.
func RunExperiment(ctx context.Context, cfg ExperimentConfig) (*ExperimentReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	newWorld, err := cfg.worlds()
	if err != nil {
		return nil, err
	}
	if cfg.SavePolicy != "" {
		// Made before the runs, so that an unwritable place fails at once.
		if err := os.MkdirAll(filepath.Dir(cfg.SavePolicy), 0o755); err != nil {
			return nil, fmt.Errorf("rl: saving the policy: %w", err)
		}
	}
	names := cfg.policies()
	rep := &ExperimentReport{World: cfg.World, K: cfg.K, OfflineWarm: cfg.Offline.WarmupHours}
	for s := 1; s <= cfg.Seeds; s++ {
		rep.Seeds = append(rep.Seeds, uint64(s))
	}
	// results[p][s] is policy p's run with seed s.
	results := make([][]Result, len(names))
	seconds := make([]float64, len(names))
	for si, seed := range rep.Seeds {
		for pi, name := range names {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			w, err := newWorld(seed)
			if err != nil {
				return nil, err
			}
			if si == 0 && pi == 0 {
				st := w.Stats()
				if len(st.Windows) == 0 {
					return nil, fmt.Errorf("rl: the world has no metrics windows")
				}
				rep.Horizon = st.Windows[len(st.Windows)-1].End
				rep.WindowHours = st.Windows[0].End - st.Windows[0].Start
				// The long-run part starts at a window boundary.
				from := rep.Horizon * (1 - cfg.LongRun)
				rep.LongRunFrom = math.Floor(from/rep.WindowHours+1e-9) * rep.WindowHours
			}
			p, err := NewPolicy(name, seed, w, cfg.Offline)
			if err != nil {
				return nil, err
			}
			t0 := time.Now()
			r, err := Run(ctxEnv{ctx, w}, p, name, cfg.K)
			if err != nil {
				return nil, err
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			sec := time.Since(t0).Seconds()
			seconds[pi] += sec
			results[pi] = append(results[pi], r)
			if cfg.SavePolicy != "" && name == "drn" && si == 0 {
				if err := savePolicy(cfg.SavePolicy, p.(*Agent), r, fmt.Sprintf("simulator: %s world, seed %d, k=%d, %g h", cfg.World, seed, cfg.K, rep.Horizon)); err != nil {
					return nil, err
				}
				rep.Policy = cfg.SavePolicy
			}
			if cfg.OnRun != nil {
				cfg.OnRun(RunInfo{Policy: name, Seed: seed, Result: r, Seconds: sec})
			}
		}
	}
	for pi, name := range names {
		pr := PolicyResult{Policy: name, Whole: map[string]Summary{}, LongRun: map[string]Summary{}, Seconds: seconds[pi],
			Curves: meanWindows(name, results[pi])}
		whole := make(map[string][]float64)
		long := make(map[string][]float64)
		for _, r := range results[pi] {
			pr.Requests = append(pr.Requests, r.Stats.Requests)
			for m, v := range wholeMetrics(r.Stats) {
				whole[m] = append(whole[m], v)
			}
			for m, v := range windowMetrics(r.Stats.Windows, rep.LongRunFrom) {
				long[m] = append(long[m], v)
			}
		}
		for _, m := range ExperimentMetrics() {
			pr.Whole[m] = summarize(whole[m])
			pr.LongRun[m] = summarize(long[m])
		}
		rep.Results = append(rep.Results, pr)
	}
	return rep, nil
}

// savePolicy writes the online network of agent a, after its run r, as a
// model artifact in dir: the registered Q-network "drn", the schema of its
// rows, and the run's whole-run metrics under protocol.
func savePolicy(dir string, a *Agent, r Result, protocol string) error {
	if a.Online() == nil {
		return fmt.Errorf("rl: the drn agent saw no request: no policy to save")
	}
	rep := metric.NewReport(protocol)
	for m, v := range wholeMetrics(r.Stats) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			rep.Set(m, v)
		}
	}
	err := pipeline.SaveArtifact(dir, pipeline.ArtifactInfo{Model: "drn", HyperParams: a.params, Task: train.Regression,
		Encoders: a.enc, Report: rep, Protocol: protocol}, a.Online())
	if err != nil {
		return fmt.Errorf("rl: saving the policy: %w", err)
	}
	return nil
}

// wholeMetrics returns the whole-run metrics of s.
func wholeMetrics(s simulator.Stats) map[string]float64 {
	return map[string]float64{"ctr": s.CTR, "precision": s.Precision, "ndcg": s.NDCG, "ils": s.ILS, "return_rate": s.ReturnRate}
}

// windowMetrics pools the windows starting at or after from: CTR over their
// impressions, the per-slate metrics weighted by requests, the return rate by
// the sessions it is observed over (NaN where there are none).
func windowMetrics(ws []simulator.WindowStats, from float64) map[string]float64 {
	var imps, clicks, reqs, sess int64
	var prec, ndcg, ils, ret float64
	for _, w := range ws {
		if w.Start < from-1e-9 {
			continue
		}
		imps += w.Impressions
		clicks += w.Clicks
		reqs += w.Requests
		r := float64(w.Requests)
		prec += w.Precision * r
		ndcg += w.NDCG * r
		ils += w.ILS * r
		sess += w.ReturnSessions
		ret += w.ReturnRate * float64(w.ReturnSessions)
	}
	div := func(a float64, b int64) float64 {
		if b == 0 {
			return math.NaN()
		}
		return a / float64(b)
	}
	return map[string]float64{"ctr": div(float64(clicks), imps), "precision": div(prec, reqs), "ndcg": div(ndcg, reqs),
		"ils": div(ils, reqs), "return_rate": div(ret, sess)}
}

// summarize returns the mean and sample standard deviation of xs
// (metric.StatOf) over the runs that measured something: NaN runs, which
// have nothing to measure, are left out, so the mean is NaN only when no run
// measured anything; std is 0 for one run.
func summarize(xs []float64) Summary {
	measured := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			measured = append(measured, x)
		}
	}
	st := metric.StatOf(measured)
	return Summary{Runs: xs, Mean: st.Mean, Std: st.Std}
}

// MarshalJSON writes NaN (nothing measured) as null.
func (s Summary) MarshalJSON() ([]byte, error) {
	f := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	}
	runs := make([]any, len(s.Runs))
	for i, x := range s.Runs {
		runs[i] = f(x)
	}
	return json.Marshal(map[string]any{"mean": f(s.Mean), "std": f(s.Std), "runs": runs})
}

// meanWindows averages the per-window metrics of several seeds' runs (over
// the seeds where a window has something to measure) for the curves.
func meanWindows(name string, rs []Result) Result {
	out := Result{Name: name}
	if len(rs) == 0 {
		return out
	}
	n := len(rs[0].Stats.Windows)
	out.Stats.Windows = make([]simulator.WindowStats, n)
	for i := range n {
		w := &out.Stats.Windows[i]
		w.Start, w.End = rs[0].Stats.Windows[i].Start, rs[0].Stats.Windows[i].End
		var nReq, nRet int
		for _, r := range rs {
			if i >= len(r.Stats.Windows) {
				continue
			}
			x := r.Stats.Windows[i]
			w.Requests += x.Requests
			w.Impressions += x.Impressions
			w.ReturnSessions += x.ReturnSessions
			if x.Requests > 0 {
				nReq++
				w.CTR += x.CTR
				w.Precision += x.Precision
				w.NDCG += x.NDCG
				w.ILS += x.ILS
			}
			if x.ReturnSessions > 0 {
				nRet++
				w.ReturnRate += x.ReturnRate
			}
		}
		if nReq > 0 {
			f := float64(nReq)
			w.CTR, w.Precision, w.NDCG, w.ILS = w.CTR/f, w.Precision/f, w.NDCG/f, w.ILS/f
		}
		if nRet > 0 {
			w.ReturnRate /= float64(nRet)
		}
	}
	return out
}

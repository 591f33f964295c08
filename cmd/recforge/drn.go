package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/recforge/recforge/rl"
	"github.com/recforge/recforge/simulator"
)

// drnPolicies are the policies `recforge drn` runs by default, baselines
// first; "oracle" may be asked for too.
var drnPolicies = []string{"random", "popularity", "offline-deepfm", "dqn", "dqn-no-activeness",
	"drn", "drn-no-dbgd", "drn-no-activeness", "drn-no-major"}

// drnMetrics are the columns of the table, in order.
var drnMetrics = []string{"ctr", "precision", "ndcg", "ils", "return_rate"}

// drnSummary is one metric's mean and standard deviation over seeds.
type drnSummary struct {
	Mean float64   `json:"mean"`
	Std  float64   `json:"std"`
	Runs []float64 `json:"runs"`
}

// drnPolicyResult is one policy's row of the table.
type drnPolicyResult struct {
	Policy   string                `json:"policy"`
	Whole    map[string]drnSummary `json:"whole"`
	LongRun  map[string]drnSummary `json:"long_run"`
	Requests []int64               `json:"requests"`
	Seconds  float64               `json:"seconds"`
}

// drnReport is the command's JSON output.
type drnReport struct {
	World        string            `json:"world"`
	Seeds        []uint64          `json:"seeds"`
	K            int               `json:"k"`
	Horizon      float64           `json:"horizon_hours"`
	LongRunFrom  float64           `json:"long_run_from_hours"`
	WindowHours  float64           `json:"window_hours"`
	OfflineWarm  float64           `json:"offline_warmup_hours"`
	Results      []drnPolicyResult `json:"results"`
	Files        []string          `json:"files,omitempty"`
	TotalSeconds float64           `json:"seconds"`
}

func runDRN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("drn", "drn [--world generative|ml-100k|amazon-video] [--data DIR] [--policies a,b,…] [--seeds N] [--out DIR]", stderr)
	world := fs.String("world", "generative", "`WORLD`: generative (planted preferences), ml-100k or amazon-video (semi-synthetic replays of the logs in --data)")
	dataDir := fs.String("data", "", "`DIR` holding the replay world's log (ml-100k: u.data and u.item; amazon-video: Video.txt)")
	policies := fs.String("policies", "", "comma-separated `NAMES` among "+strings.Join(append(append([]string{}, drnPolicies...), "oracle"), ", ")+" (default: all but oracle)")
	seeds := fs.Int("seeds", 3, "seeds 1..N of the world and the policies (mean ± std over them)")
	k := fs.Int("k", 5, "slate size")
	hours := fs.Float64("hours", 0, "simulated `HOURS` (default: the world's own, 168 for generative)")
	users := fs.Int("users", 0, "generative world: number of users (default 2000)")
	pool := fs.Int("pool", 0, "candidates per request (default: the world's own, 100)")
	window := fs.Float64("window", 0, "`HOURS` per metrics window (default: the world's own, 24)")
	longRun := fs.Float64("long-run", 0.5, "`FRACTION` of simulated time, at the end, that the long-run metrics cover")
	warmup := fs.Float64("warmup", 24, "offline-deepfm: `HOURS` of random logging before it trains once")
	out := fs.String("out", "drn", "`DIR` for drn.json, drn.csv, drn.svg and drn.png (per-window curves, mean over seeds)")
	quiet := fs.Bool("quiet", false, "no per-run progress lines")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *seeds < 1 {
		return fmt.Errorf("--seeds %d, want ≥ 1", *seeds)
	}
	if *k < 1 {
		return fmt.Errorf("--k %d, want ≥ 1", *k)
	}
	if !(*longRun > 0 && *longRun <= 1) {
		return fmt.Errorf("--long-run %v, want a fraction in (0, 1]", *longRun)
	}
	if *hours < 0 || *users < 0 || *pool < 0 || *window < 0 {
		return fmt.Errorf("--hours, --users, --pool and --window must be ≥ 0 (0: the world's default)")
	}
	names := splitList(*policies)
	if len(names) == 0 {
		names = drnPolicies
	}
	known := map[string]bool{"oracle": true}
	for _, n := range drnPolicies {
		known[n] = true
	}
	seen := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			return fmt.Errorf("unknown policy %q, expected one of %s, oracle", n, strings.Join(drnPolicies, ", "))
		}
		if seen[n] {
			return fmt.Errorf("policy %q listed twice", n)
		}
		seen[n] = true
	}
	offCfg := rl.DefaultOffline()
	offCfg.WarmupHours = *warmup
	if err := offCfg.Validate(); err != nil {
		return fmt.Errorf("--warmup: %w", err)
	}

	// newWorld starts a fresh world for a seed; replay worlds fit their log
	// once per seed.
	var newWorld func(seed uint64) (*simulator.World, error)
	process := func(p *simulator.Process) {
		if *hours > 0 {
			p.Horizon = *hours
		}
		if *pool > 0 {
			p.PoolSize = *pool
		}
		if *window > 0 {
			p.WindowHours = *window
		}
	}
	switch *world {
	case "generative":
		if *dataDir != "" {
			return fmt.Errorf("--data is for replay worlds; the generative world needs none")
		}
		newWorld = func(seed uint64) (*simulator.World, error) {
			cfg := simulator.DefaultGenerative()
			cfg.Seed = seed
			if *users > 0 {
				cfg.Users = *users
			}
			process(&cfg.Process)
			return simulator.NewGenerative(cfg)
		}
	case "ml-100k", "amazon-video", simulator.SourceAmazon:
		if *dataDir == "" {
			return missing(fs, "data")
		}
		if *users > 0 {
			return fmt.Errorf("--users is for the generative world; a replay world has the log's users")
		}
		src := simulator.SourceMovieLens
		if *world != "ml-100k" {
			src = simulator.SourceAmazon
		}
		fitted := map[uint64]*simulator.ReplayModel{}
		newWorld = func(seed uint64) (*simulator.World, error) {
			rm := fitted[seed]
			if rm == nil {
				cfg := simulator.DefaultReplay(src, *dataDir)
				cfg.Seed = seed
				process(&cfg.Process)
				var err error
				if rm, err = simulator.FitReplay(cfg); err != nil {
					return nil, err
				}
				fitted[seed] = rm
			}
			return rm.NewWorld(), nil
		}
	default:
		return fmt.Errorf("unknown --world %q, expected generative, ml-100k or amazon-video", *world)
	}

	start := time.Now()
	rep := drnReport{World: *world, K: *k, OfflineWarm: *warmup}
	for s := 1; s <= *seeds; s++ {
		rep.Seeds = append(rep.Seeds, uint64(s))
	}
	// results[p][s] is policy p's run with seed s.
	results := make([][]rl.Result, len(names))
	seconds := make([]float64, len(names))
	for si, seed := range rep.Seeds {
		for pi, name := range names {
			if err := ctx.Err(); err != nil {
				return errInterrupted
			}
			w, err := newWorld(seed)
			if err != nil {
				return err
			}
			if si == 0 && pi == 0 {
				st := w.Stats()
				if len(st.Windows) == 0 {
					return fmt.Errorf("the world has no metrics windows")
				}
				rep.Horizon = st.Windows[len(st.Windows)-1].End
				rep.WindowHours = st.Windows[0].End - st.Windows[0].Start
				// The long-run part starts at a window boundary.
				from := rep.Horizon * (1 - *longRun)
				rep.LongRunFrom = math.Floor(from/rep.WindowHours+1e-9) * rep.WindowHours
			}
			p, err := newDRNPolicy(name, seed, w, offCfg)
			if err != nil {
				return err
			}
			t0 := time.Now()
			r, err := rl.Run(ctxEnv{ctx, w}, p, name, *k)
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return errInterrupted
			}
			sec := time.Since(t0).Seconds()
			seconds[pi] += sec
			results[pi] = append(results[pi], r)
			if !*quiet {
				st := r.Stats
				fmt.Fprintf(stderr, "%-18s seed %d: CTR %.4f prec@%d %.3f nDCG@%d %.3f ILS %.3f return %.3f, %d requests, %.1fs\n",
					name, seed, st.CTR, *k, st.Precision, *k, st.NDCG, st.ILS, st.ReturnRate, st.Requests, sec)
			}
		}
	}
	for pi, name := range names {
		pr := drnPolicyResult{Policy: name, Whole: map[string]drnSummary{}, LongRun: map[string]drnSummary{}, Seconds: seconds[pi]}
		whole := make(map[string][]float64)
		long := make(map[string][]float64)
		for _, r := range results[pi] {
			pr.Requests = append(pr.Requests, r.Stats.Requests)
			for m, v := range drnWhole(r.Stats) {
				whole[m] = append(whole[m], v)
			}
			for m, v := range drnWindows(r.Stats.Windows, rep.LongRunFrom) {
				long[m] = append(long[m], v)
			}
		}
		for _, m := range drnMetrics {
			pr.Whole[m] = summarize(whole[m])
			pr.LongRun[m] = summarize(long[m])
		}
		rep.Results = append(rep.Results, pr)
	}

	writeDRNTable(stdout, &rep)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	jsonPath := filepath.Join(*out, "drn.json")
	csvPath := filepath.Join(*out, "drn.csv")
	svgPath := filepath.Join(*out, "drn.svg")
	pngPath := filepath.Join(*out, "drn.png")
	if err := writeDRNCSV(csvPath, &rep); err != nil {
		return err
	}
	curves := make([]rl.Result, len(names))
	for pi, name := range names {
		curves[pi] = meanWindows(name, results[pi])
	}
	title := fmt.Sprintf("%s world, k=%d, mean over %d seed(s)", *world, *k, *seeds)
	for _, p := range []string{svgPath, pngPath} {
		if err := rl.WriteCurves(p, title, curves); err != nil {
			return err
		}
	}
	rep.Files = []string{jsonPath, csvPath, svgPath, pngPath}
	rep.TotalSeconds = time.Since(start).Seconds()
	b, err := json.MarshalIndent(&rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nfiles: %s\n", strings.Join(rep.Files, ", "))
	return writeJSONLine(stdout, &rep)
}

// newDRNPolicy builds the named policy for one seed.
func newDRNPolicy(name string, seed uint64, w *simulator.World, off rl.OfflineConfig) (simulator.Policy, error) {
	switch name {
	case "random":
		return simulator.NewRandomPolicy(seed), nil
	case "popularity":
		// Items live about two days: a six-hour half-life keeps the counts
		// recent.
		return simulator.NewPopularityPolicy(6, seed)
	case "offline-deepfm":
		off.Seed = seed
		return rl.NewOfflinePolicy(off)
	case "oracle":
		return simulator.NewOraclePolicy(w), nil
	}
	cfg, err := rl.Preset(name)
	if err != nil {
		return nil, err
	}
	cfg.Seed = seed
	return rl.NewAgent(cfg)
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

// drnWhole returns the whole-run metrics of s.
func drnWhole(s simulator.Stats) map[string]float64 {
	return map[string]float64{"ctr": s.CTR, "precision": s.Precision, "ndcg": s.NDCG, "ils": s.ILS, "return_rate": s.ReturnRate}
}

// drnWindows pools the windows starting at or after from: CTR over their
// impressions, the per-slate metrics weighted by requests, the return rate by
// the sessions it is observed over (NaN where there are none).
func drnWindows(ws []simulator.WindowStats, from float64) map[string]float64 {
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

// summarize returns the mean and sample standard deviation of xs (NaN runs,
// which have nothing to measure, are left out; std 0 for one run).
func summarize(xs []float64) drnSummary {
	s := drnSummary{Runs: xs, Mean: math.NaN()}
	var n int
	var sum float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			n++
			sum += x
		}
	}
	if n == 0 {
		return s
	}
	s.Mean = sum / float64(n)
	if n > 1 {
		var ss float64
		for _, x := range xs {
			if !math.IsNaN(x) {
				ss += (x - s.Mean) * (x - s.Mean)
			}
		}
		s.Std = math.Sqrt(ss / float64(n-1))
	}
	return s
}

// MarshalJSON writes NaN (nothing measured) as null.
func (s drnSummary) MarshalJSON() ([]byte, error) {
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
func meanWindows(name string, rs []rl.Result) rl.Result {
	out := rl.Result{Name: name}
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

func pm(s drnSummary) string {
	if math.IsNaN(s.Mean) {
		return "—"
	}
	return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std)
}

// writeDRNTable prints the whole-run and long-run tables.
func writeDRNTable(w io.Writer, rep *drnReport) {
	header := []string{"CTR", fmt.Sprintf("prec@%d", rep.K), fmt.Sprintf("nDCG@%d", rep.K), "ILS", "return rate"}
	for part, title := range []string{
		fmt.Sprintf("whole run (0–%g h)", rep.Horizon),
		fmt.Sprintf("long run (%g–%g h)", rep.LongRunFrom, rep.Horizon),
	} {
		fmt.Fprintf(w, "\n%s world, k=%d, %d seed(s), mean ± std — %s\n\n", rep.World, rep.K, len(rep.Seeds), title)
		fmt.Fprintf(w, "%-18s", "policy")
		for _, h := range header {
			fmt.Fprintf(w, "  %-17s", h)
		}
		fmt.Fprintln(w)
		for _, r := range rep.Results {
			fmt.Fprintf(w, "%-18s", r.Policy)
			ms := r.Whole
			if part == 1 {
				ms = r.LongRun
			}
			for _, m := range drnMetrics {
				fmt.Fprintf(w, "  %-17s", pm(ms[m]))
			}
			fmt.Fprintln(w)
		}
	}
}

// writeDRNCSV writes one row per policy and part with every metric's mean
// and std.
func writeDRNCSV(path string, rep *drnReport) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	head := []string{"policy", "part", "from_hours", "to_hours", "seeds"}
	for _, m := range drnMetrics {
		head = append(head, m+"_mean", m+"_std")
	}
	_ = cw.Write(head)
	num := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	}
	for _, r := range rep.Results {
		for part, ms := range []map[string]drnSummary{r.Whole, r.LongRun} {
			name, from := "whole", 0.0
			if part == 1 {
				name, from = "long_run", rep.LongRunFrom
			}
			row := []string{r.Policy, name, num(from), num(rep.Horizon), strconv.Itoa(len(rep.Seeds))}
			for _, m := range drnMetrics {
				row = append(row, num(ms[m].Mean), num(ms[m].Std))
			}
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

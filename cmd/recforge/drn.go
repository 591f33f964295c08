package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recforge/recforge/rl"
	"github.com/recforge/recforge/simulator"
)

// drnOutput is the command's JSON output: the experiment's report and the
// files written.
type drnOutput struct {
	*rl.ExperimentReport
	Files        []string `json:"files,omitempty"`
	TotalSeconds float64  `json:"seconds"`
}

func runDRN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("drn", "drn [--world generative|ml-100k|amazon-video] [--data DIR] [--policies a,b,…] [--seeds N] [--out DIR] [--save-policy DIR]", stdout, stderr)
	world := fs.String("world", rl.WorldGenerative, "`WORLD`: generative (planted preferences), ml-100k or amazon-video (semi-synthetic replays of the logs in --data)")
	dataDir := fs.String("data", "", "`DIR` holding the replay world's log (ml-100k: u.data and u.item; amazon-video: Video.txt)")
	policies := fs.String("policies", "", "comma-separated `NAMES` among "+strings.Join(append(rl.ExperimentPolicies(), "oracle"), ", ")+" (default: all but oracle)")
	seeds := fs.Int("seeds", 3, "seeds 1..N of the world and the policies (mean ± std over them)")
	k := fs.Int("k", 5, "slate size")
	hours := fs.Float64("hours", 0, "simulated `HOURS` (default: the world's own, 168 for generative)")
	users := fs.Int("users", 0, "generative world: number of users (default 2000)")
	pool := fs.Int("pool", 0, "candidates per request (default: the world's own, 100)")
	window := fs.Float64("window", 0, "`HOURS` per metrics window (default: the world's own, 24)")
	longRun := fs.Float64("long-run", 0.5, "`FRACTION` of simulated time, at the end, that the long-run metrics cover")
	warmup := fs.Float64("warmup", 24, "offline-deepfm: `HOURS` of random logging before it trains once")
	out := fs.String("out", "drn", "`DIR` for drn.json, drn.csv, drn.svg and drn.png (per-window curves, mean over seeds)")
	savePolicy := fs.String("save-policy", "", "`DIR` for the drn agent's Q-network after its seed-1 run, as a model artifact that recforge serve ranks candidates with")
	quiet := fs.Bool("quiet", false, "no per-run progress lines")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	switch {
	case *seeds < 1:
		return badFlag("--seeds %d, want ≥ 1", *seeds)
	case *k < 1:
		return badFlag("--k %d, want ≥ 1", *k)
	case !(*longRun > 0 && *longRun <= 1):
		return badFlag("--long-run %v, want a fraction in (0, 1]", *longRun)
	case *hours < 0 || *users < 0 || *pool < 0 || *window < 0:
		return badFlag("--hours, --users, --pool and --window must be ≥ 0 (0: the world's default)")
	}
	switch *world {
	case rl.WorldGenerative:
		if *dataDir != "" {
			return badFlag("--data is for replay worlds; the generative world needs none")
		}
	case rl.WorldMovieLens, rl.WorldAmazonVideo, simulator.SourceAmazon:
		if *dataDir == "" {
			return missing(fs, "data")
		}
		if *users > 0 {
			return badFlag("--users is for the generative world; a replay world has the log's users")
		}
	default:
		return badFlag("unknown --world %q, expected generative, ml-100k or amazon-video", *world)
	}
	cfg := rl.ExperimentConfig{World: *world, Data: *dataDir, Policies: splitList(*policies), Seeds: *seeds, K: *k,
		Hours: *hours, Window: *window, Pool: *pool, Users: *users, LongRun: *longRun, Offline: rl.DefaultOffline(),
		SavePolicy: *savePolicy}
	cfg.Offline.WarmupHours = *warmup
	if err := cfg.Offline.Validate(); err != nil {
		return badFlag("--warmup: %v", err)
	}
	if *savePolicy != "" && !slices.Contains(cfg.Policies, "drn") && len(cfg.Policies) > 0 {
		return badFlag("--save-policy saves the drn agent: add drn to --policies")
	}
	if !*quiet {
		cfg.OnRun = func(r rl.RunInfo) {
			st := r.Result.Stats
			fmt.Fprintf(stderr, "%-18s seed %d: CTR %.4f prec@%d %.3f nDCG@%d %.3f ILS %.3f return %.3f, %d requests, %.1fs\n",
				r.Policy, r.Seed, st.CTR, *k, st.Precision, *k, st.NDCG, st.ILS, st.ReturnRate, st.Requests, r.Seconds)
		}
	}

	start := time.Now()
	rep, err := rl.RunExperiment(ctx, cfg)
	if errors.Is(err, context.Canceled) {
		return errInterrupted
	}
	if err != nil {
		return err
	}
	res := drnOutput{ExperimentReport: rep}
	writeDRNTable(stdout, rep)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	jsonPath := filepath.Join(*out, "drn.json")
	csvPath := filepath.Join(*out, "drn.csv")
	svgPath := filepath.Join(*out, "drn.svg")
	pngPath := filepath.Join(*out, "drn.png")
	if err := writeDRNCSV(csvPath, rep); err != nil {
		return err
	}
	curves := make([]rl.Result, len(rep.Results))
	for i, r := range rep.Results {
		curves[i] = r.Curves
	}
	title := fmt.Sprintf("%s world, k=%d, mean over %d seed(s)", *world, *k, *seeds)
	for _, p := range []string{svgPath, pngPath} {
		if err := rl.WriteCurves(p, title, curves); err != nil {
			return err
		}
	}
	res.Files = []string{jsonPath, csvPath, svgPath, pngPath}
	res.TotalSeconds = time.Since(start).Seconds()
	b, err := json.MarshalIndent(&res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nfiles: %s\n", strings.Join(res.Files, ", "))
	if rep.Policy != "" {
		fmt.Fprintf(stdout, "policy: %s (recforge serve --artifact drn=%s)\n", rep.Policy, rep.Policy)
	}
	return writeJSONLine(stdout, &res)
}

func pm(s rl.Summary) string {
	if math.IsNaN(s.Mean) {
		return "—"
	}
	return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std)
}

// writeDRNTable prints the whole-run and long-run tables.
func writeDRNTable(w io.Writer, rep *rl.ExperimentReport) {
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
			for _, m := range rl.ExperimentMetrics() {
				fmt.Fprintf(w, "  %-17s", pm(ms[m]))
			}
			fmt.Fprintln(w)
		}
	}
}

// writeDRNCSV writes one row per policy and part with every metric's mean
// and std.
func writeDRNCSV(path string, rep *rl.ExperimentReport) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	head := []string{"policy", "part", "from_hours", "to_hours", "seeds"}
	for _, m := range rl.ExperimentMetrics() {
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
		for part, ms := range []map[string]rl.Summary{r.Whole, r.LongRun} {
			name, from := "whole", 0.0
			if part == 1 {
				name, from = "long_run", rep.LongRunFrom
			}
			row := []string{r.Policy, name, num(from), num(rep.Horizon), strconv.Itoa(len(rep.Seeds))}
			for _, m := range rl.ExperimentMetrics() {
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

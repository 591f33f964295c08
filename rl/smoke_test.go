package rl

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/recforge/recforge/simulator"
)

// TestSmokeComparison runs DRN, its ablations, the DQN baselines, random,
// popularity and the oracle on the default generative world and prints the
// metrics (seed RL_SMOKE_SEED, default 1); with RL_SMOKE_OUT set it also writes the per-window curves there.
// It takes about a minute, so it runs only when RL_SMOKE is set.
func TestSmokeComparison(t *testing.T) {
	if os.Getenv("RL_SMOKE") == "" {
		t.Skip("set RL_SMOKE=1 to run the generative-simulator comparison")
	}
	const k = 5
	seed := uint64(1)
	if v := os.Getenv("RL_SMOKE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("RL_SMOKE_SEED=%q: %v", v, err)
		}
		seed = n
	}
	newEnv := func() *simulator.World {
		cfg := simulator.DefaultGenerative()
		cfg.Seed = seed
		env, err := simulator.NewGenerative(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	var results []Result
	run := func(name string, p simulator.Policy, env simulator.Env) {
		start := time.Now()
		r, err := Run(env, p, name, k)
		if err != nil {
			t.Fatal(err)
		}
		s := r.Stats
		t.Logf("%-18s CTR %.4f  eCTR %.4f  prec@%d %.3f  nDCG@%d %.3f  ILS %.3f  topicILS %.3f  return %.3f  (%d req, %.1fs)",
			name, s.CTR, s.ExpectedCTR, k, s.Precision, k, s.NDCG, s.ILS, s.TopicILS, s.ReturnRate, s.Requests,
			time.Since(start).Seconds())
		if a, ok := p.(*Agent); ok {
			d := a.Diagnostics()
			t.Logf("%-18s major updates %d, last-window TD loss %.4f, duels %d, explore wins %d", "",
				d.MajorUpdates, r.Learning[len(r.Learning)-1].TDLoss, d.Duels, d.ExploreWins)
		}
		results = append(results, r)
	}
	run("random", simulator.NewRandomPolicy(seed), newEnv())
	pop, err := simulator.NewPopularityPolicy(6, seed)
	if err != nil {
		t.Fatal(err)
	}
	run("popularity", pop, newEnv())
	for _, name := range PresetNames() {
		cfg, _ := Preset(name)
		cfg.Seed = seed
		a, err := NewAgent(cfg)
		if err != nil {
			t.Fatal(err)
		}
		run(name, a, newEnv())
	}
	env := newEnv()
	run("oracle", simulator.NewOraclePolicy(env), env)
	if dir := os.Getenv("RL_SMOKE_OUT"); dir != "" {
		sel := []Result{}
		for _, r := range results {
			switch r.Name {
			case "random", "popularity", "drn", "dqn", "oracle":
				sel = append(sel, r)
			}
		}
		for _, ext := range []string{".svg", ".png"} {
			path := filepath.Join(dir, "drn_smoke"+ext)
			if err := WriteCurves(path, fmt.Sprintf("generative simulator (seed %d, k=%d), per day", seed, k), sel); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
		}
	}
}

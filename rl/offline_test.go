package rl

import (
	"strings"
	"testing"

	"github.com/recforge/recforge/simulator"
)

// offlineWorld is a generative world small enough for a unit test: 400 users
// over three days, 50 candidates per request.
func offlineWorld(t *testing.T, seed uint64) *simulator.World {
	t.Helper()
	cfg := simulator.DefaultGenerative()
	cfg.Seed = seed
	cfg.Users = 400
	cfg.Horizon = 72
	cfg.PoolSize = 50
	env, err := simulator.NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestOfflineDeepFMBeatsRandom: after a day of random logging, the DeepFM
// ranking greedily must show items with a higher true click probability than
// random slates over the days after the warm-up, and the run must be
// reproducible bit for bit.
func TestOfflineDeepFMBeatsRandom(t *testing.T) {
	const k, seed = 5, 3
	rnd, err := Run(offlineWorld(t, seed), simulator.NewRandomPolicy(seed), "random", k)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultOffline()
	cfg.Seed = seed
	runOffline := func() (Result, *OfflinePolicy) {
		p, err := NewOfflinePolicy(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(offlineWorld(t, seed), p, "offline-deepfm", k)
		if err != nil {
			t.Fatal(err)
		}
		return r, p
	}
	off, p := runOffline()
	if !p.Trained() || p.Err() != nil {
		t.Fatalf("trained %v, err %v", p.Trained(), p.Err())
	}
	after := func(r Result) (ectr float64, imps int64) {
		var s float64
		for _, w := range r.Stats.Windows {
			if w.Start >= cfg.WarmupHours {
				s += w.ExpectedCTR * float64(w.Impressions)
				imps += w.Impressions
			}
		}
		return s / float64(imps), imps
	}
	eo, no := after(off)
	er, nr := after(rnd)
	t.Logf("after warm-up: offline eCTR %.4f (%d imps, train loss %.4f), random %.4f (%d imps)", eo, no, p.TrainLoss(), er, nr)
	// The expected CTR averages out the click noise; a 15 % relative margin
	// is far beyond its seed-to-seed spread for random slates (< 3 %).
	if !(eo > 1.15*er) {
		t.Fatalf("offline DeepFM eCTR %.4f not above 1.15 × random's %.4f", eo, er)
	}
	if !(off.Stats.Precision > rnd.Stats.Precision) {
		t.Fatalf("offline precision %.4f ≤ random's %.4f", off.Stats.Precision, rnd.Stats.Precision)
	}
	again, _ := runOffline()
	if again.Stats.CTR != off.Stats.CTR || again.Stats.NDCG != off.Stats.NDCG || again.Stats.Requests != off.Stats.Requests {
		t.Fatalf("rerun differs: %+v vs %+v", again.Stats.CTR, off.Stats.CTR)
	}
}

func TestOfflineConfigErrors(t *testing.T) {
	for _, c := range []struct {
		edit func(*OfflineConfig)
		want string
	}{
		{func(c *OfflineConfig) { c.Model = "nope" }, "Model"},
		{func(c *OfflineConfig) { c.WarmupHours = 0 }, "WarmupHours"},
		{func(c *OfflineConfig) { c.Epochs = 0 }, "Epochs"},
		{func(c *OfflineConfig) { c.Batch = 0 }, "Batch"},
		{func(c *OfflineConfig) { c.LearnRate = -1 }, "LearnRate"},
		{func(c *OfflineConfig) { c.Params = []byte(`{"hidden":[-1]}`) }, "hidden"},
	} {
		cfg := DefaultOffline()
		c.edit(&cfg)
		p, err := NewOfflinePolicy(cfg)
		if err == nil {
			// Bad model parameters surface when the model is built.
			_, err = Run(offlineWorld(t, 1), p, "x", 5)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming it", c.want, err)
		}
	}
}

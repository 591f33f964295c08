package simulator

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// fitAUC is the probability that the fitted model scores a user's logged
// positive above a random item (the fit learnt something from the log).
func fitAUC(w *World, lg *replayLog) float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	byID := map[int32]*worldItem{}
	for _, it := range w.src.(*replaySource).items {
		byID[it.ID] = it
	}
	score := func(u, i int32) float64 {
		it := byID[i]
		z := w.bias + it.quality
		for j, v := range it.latent {
			z += w.users[u].theta[j] * float64(v)
		}
		return z
	}
	var win float64
	n := 0
	for k := 0; k < 5000; k++ {
		e := lg.events[rng.IntN(len(lg.events))]
		if !e.pos {
			continue
		}
		a, b := score(e.user, e.item), score(e.user, int32(rng.IntN(lg.items)))
		switch {
		case a > b:
			win++
		case a == b:
			win += 0.5
		}
		n++
	}
	return win / float64(n)
}

func checkReplay(t *testing.T, cfg ReplayConfig, lg *replayLog) {
	t.Helper()
	rm, err := FitReplay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := rm.NewWorld()
	if auc := fitAUC(w, lg); auc < 0.75 {
		t.Errorf("fitted model ranks logged positives above random items with AUC %.3f, want > 0.75", auc)
	} else {
		t.Logf("fit AUC (positives vs random items) %.3f", auc)
	}
	res := map[string]Stats{}
	for _, name := range []string{"random", "oracle"} {
		w := rm.NewWorld()
		var p Policy = NewRandomPolicy(1)
		if name == "oracle" {
			p = NewOraclePolicy(w)
		}
		s, err := Run(w, p, 10)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-7s req %6d CTR %.4f eCTR %.4f nDCG %.3f ILS %.3f return %.3f", name, s.Requests, s.CTR, s.ExpectedCTR, s.NDCG, s.ILS, s.ReturnRate)
		if s.Requests < 500 {
			t.Fatalf("%s: only %d requests", name, s.Requests)
		}
		res[name] = s
	}
	if !(res["oracle"].ExpectedCTR > 2*res["random"].ExpectedCTR) {
		t.Errorf("oracle expected CTR %.4f not well above random %.4f", res["oracle"].ExpectedCTR, res["random"].ExpectedCTR)
	}
}

func TestReplayMovieLens(t *testing.T) {
	dir := shareddata.Dir(t, "ml-100k")
	lg, err := readMovieLens(dir)
	if err != nil {
		t.Fatal(err)
	}
	if lg.users != 943 || lg.items != 1682 || len(lg.events) != 100000 {
		t.Fatalf("read %d users, %d items, %d ratings; want 943, 1682, 100000", lg.users, lg.items, len(lg.events))
	}
	cfg := DefaultReplay(SourceMovieLens, dir)
	cfg.Horizon = 24 * 20
	cfg.Epochs = 4
	checkReplay(t, cfg, lg)
}

func TestReplayAmazon(t *testing.T) {
	dir := shareddata.Dir(t, "amazon-video-seq")
	lg, err := readSASRec(filepath.Join(dir, "Video.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if lg.users != 31013 || lg.items != 23715 || len(lg.events) != 287107 {
		t.Fatalf("read %d users, %d items, %d events; want 31013, 23715, 287107", lg.users, lg.items, len(lg.events))
	}
	cfg := DefaultReplay(SourceAmazon, dir)
	cfg.Horizon = 6
	cfg.Epochs = 2
	checkReplay(t, cfg, lg)
}

func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultReplay(SourceMovieLens, dir)
	cfg.Source = "mind"
	if _, err := NewReplay(cfg); err == nil || !strings.Contains(err.Error(), "Source") {
		t.Errorf("unknown source: %v", err)
	}
	cfg = DefaultReplay(SourceMovieLens, dir)
	cfg.MeanProb = 1
	if _, err := NewReplay(cfg); err == nil || !strings.Contains(err.Error(), "MeanProb") {
		t.Errorf("MeanProb 1: %v", err)
	}
	cfg = DefaultReplay(SourceAmazon, dir)
	cfg.Horizon = 0
	if _, err := NewReplay(cfg); err == nil || !strings.Contains(err.Error(), "Horizon") {
		t.Errorf("Amazon without a horizon: %v", err)
	}
	cfg = DefaultReplay(SourceMovieLens, dir)
	if _, err := NewReplay(cfg); err == nil || !strings.Contains(err.Error(), "u.data") {
		t.Errorf("missing u.data: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "u.data"), []byte("1\t2\t5\t100\n1\t2\tfive\t200\n"), 0o644)
	if _, err := NewReplay(cfg); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad rating: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "u.data"), []byte("1\t2\t5\t100\n2\t1\t3\t7300\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "u.item"), []byte("1|A|x||u|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"), 0o644)
	if _, err := NewReplay(cfg); err == nil || !strings.Contains(err.Error(), "missing from u.item") {
		t.Errorf("item 2 missing from u.item: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "u.item"), []byte("1|A|x||u|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n2|B|x||u|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"), 0o644)
	w, err := NewReplay(cfg)
	if err != nil {
		t.Fatalf("tiny log: %v", err)
	}
	// Horizon is the log's span: 7200 s = 2 h; user 0 (first at hour 0) comes first.
	if w.p.Horizon != 2 {
		t.Errorf("horizon %v, want the log's span of 2 h", w.p.Horizon)
	}
	req, ok := w.Next()
	if !ok || req.User != 0 || req.Time != 0 || len(req.Items) != 1 || req.Items[0].ID != 1 || req.Items[0].Topic != 4 {
		t.Errorf("first request %+v, want user 0 at hour 0 offered only item 1 (its first genre is 4; item 0 is born at hour 2)", req)
	}
}

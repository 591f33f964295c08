package simulator

import (
	"math"
	"reflect"
	"testing"
)

// smallGen is a world small enough for quick tests.
func smallGen() GenerativeConfig {
	c := DefaultGenerative()
	c.Users = 3000
	c.Horizon = 72
	c.PoolSize = 60
	return c
}

func runPolicy(t *testing.T, cfg GenerativeConfig, mk func(w *World) Policy) Stats {
	t.Helper()
	w, err := NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Run(w, mk(w), 10)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func popPolicy(w *World) Policy {
	p, err := NewPopularityPolicy(1, 3)
	if err != nil {
		panic(err)
	}
	return p
}

func TestGenerativeBaselinesOrder(t *testing.T) {
	cfg := smallGen()
	rnd := runPolicy(t, cfg, func(*World) Policy { return NewRandomPolicy(3) })
	pop := runPolicy(t, cfg, popPolicy)
	orc := runPolicy(t, cfg, func(w *World) Policy { return NewOraclePolicy(w) })
	for _, c := range []struct {
		name string
		s    Stats
	}{{"random", rnd}, {"popularity", pop}, {"oracle", orc}} {
		t.Logf("%-10s req %6d impr %7d CTR %.4f eCTR %.4f P@k %.3f nDCG %.3f nDCGc %.3f ILS %.3f topicILS %.3f return %.3f (%d)",
			c.name, c.s.Requests, c.s.Impressions, c.s.CTR, c.s.ExpectedCTR, c.s.Precision, c.s.NDCG, c.s.NDCGClicks, c.s.ILS, c.s.TopicILS, c.s.ReturnRate, c.s.ReturnSessions)
	}
	if !(orc.CTR > pop.CTR && pop.CTR > rnd.CTR) {
		t.Errorf("CTR order: oracle %.4f, popularity %.4f, random %.4f; want oracle > popularity > random", orc.CTR, pop.CTR, rnd.CTR)
	}
	if orc.Precision != 1 || math.Abs(orc.NDCG-1) > 1e-12 {
		t.Errorf("oracle precision %v nDCG %v, want 1 and 1", orc.Precision, orc.NDCG)
	}
	// Satisfied users return: more clicks, more returns, by construction.
	if !(orc.ReturnRate > rnd.ReturnRate) {
		t.Errorf("return rate: oracle %.4f ≤ random %.4f", orc.ReturnRate, rnd.ReturnRate)
	}
}

// trace runs a world with the random policy and returns every request's
// user, time and pool ids with the clicks and return gaps, for comparison.
func trace(t *testing.T, cfg GenerativeConfig) ([]float64, Stats) {
	t.Helper()
	w, err := NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := NewRandomPolicy(9)
	var out []float64
	for {
		req, ok := w.Next()
		if !ok {
			break
		}
		out = append(out, req.Time, float64(req.User), float64(len(req.Items)))
		for _, it := range req.Items {
			out = append(out, float64(it.ID))
		}
		for _, f := range req.UserFeat {
			out = append(out, float64(f))
		}
		slate := p.Rank(req, 5)
		fb, err := w.Respond(req, slate)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range fb.Clicks {
			if c {
				out = append(out, 1)
			} else {
				out = append(out, 0)
			}
		}
		out = append(out, fb.ReturnGap)
	}
	return out, w.Stats()
}

func TestGenerativeDeterminism(t *testing.T) {
	cfg := DefaultGenerative()
	cfg.Users, cfg.Horizon, cfg.PoolSize = 200, 48, 30
	a, sa := trace(t, cfg)
	b, sb := trace(t, cfg)
	if len(a) < 1000 {
		t.Fatalf("trace too short (%d values) to mean anything", len(a))
	}
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(sa, sb) {
		t.Fatal("two runs with the same seed differ")
	}
	cfg.Seed++
	c, _ := trace(t, cfg)
	if reflect.DeepEqual(a, c) {
		t.Fatal("a different seed gave the same run")
	}
}

func TestFreshnessDecay(t *testing.T) {
	cfg := DefaultGenerative()
	cfg.Users, cfg.DriftTau = 3, 0
	w, err := NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	it := w.src.bornUpTo(1)[0]
	p0 := w.prob(1, it, it.Born)
	for _, age := range []float64{1, 12, 30} {
		got := w.prob(1, it, it.Born+age)
		want := p0 * math.Exp2(-age/cfg.FreshHalfLife)
		if math.Abs(got-want) > 1e-15 {
			t.Errorf("age %v: p = %v, want %v (p0 %v halved every %v h)", age, got, want, p0, cfg.FreshHalfLife)
		}
	}
	// Observable consequence: the oracle's shown items are young, and
	// turning freshness off raises every probability.
	cfg = smallGen()
	cfg.Users, cfg.Horizon = 300, 48
	fresh := runPolicy(t, cfg, func(w *World) Policy { return NewOraclePolicy(w) })
	cfg.FreshHalfLife = 0
	stale := runPolicy(t, cfg, func(w *World) Policy { return NewOraclePolicy(w) })
	if !(stale.ExpectedCTR > fresh.ExpectedCTR) {
		t.Errorf("expected CTR without freshness decay %.4f ≤ with it %.4f", stale.ExpectedCTR, fresh.ExpectedCTR)
	}
}

func TestPreferencesDrift(t *testing.T) {
	cfg := DefaultGenerative()
	cfg.Users = 1000
	w, err := NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Users * cfg.Dim
	snap := func() []float64 {
		var v []float64
		for u := range w.users {
			v = append(v, w.users[u].theta...)
		}
		return v
	}
	// corr is the correlation through 0 (the drift's centre).
	corr := func(a, b []float64) (float64, float64) {
		var ab, aa, bb float64
		for i := range a {
			ab += a[i] * b[i]
			aa += a[i] * a[i]
			bb += b[i] * b[i]
		}
		return ab / math.Sqrt(aa*bb), bb / float64(len(b))
	}
	th0 := snap()
	for _, lag := range []float64{cfg.DriftTau / 2, 3 * cfg.DriftTau} {
		for u := range w.users {
			w.users[u].lastDrift = 0
			copy(w.users[u].theta, th0[u*cfg.Dim:(u+1)*cfg.Dim])
			w.driftTo(int32(u), lag)
		}
		c, v := corr(th0, snap())
		want := math.Exp(-lag / cfg.DriftTau)
		// 16,000 coordinates: the sample correlation's s.e. is below 0.01.
		if math.Abs(c-want) > 0.04 {
			t.Errorf("lag %v h: correlation %.3f, want e^(−lag/τ) = %.3f", lag, c, want)
		}
		if math.Abs(v-cfg.PrefStd*cfg.PrefStd) > 0.1*cfg.PrefStd*cfg.PrefStd {
			t.Errorf("lag %v h: variance %.3f, want the stationary %.3f", lag, v, cfg.PrefStd*cfg.PrefStd)
		}
	}
	_ = n
	// Static preferences stay put.
	cfg.DriftTau = 0
	w, _ = NewGenerative(cfg)
	th0 = snap()
	for u := range w.users {
		w.driftTo(int32(u), 500)
	}
	if !reflect.DeepEqual(th0, snap()) {
		t.Error("DriftTau 0 moved the preferences")
	}
}

// sessionLog is a random policy that records, per ended session, its clicks
// and whether the user came back within the window.
type sessionLog struct {
	*RandomPolicy
	clicks map[int32]int
	byC    map[int][2]int // clicks → (returned, observable sessions)
	w      *World
}

func (s *sessionLog) Observe(req Request, slate []int32, fb Feedback) {
	for _, c := range fb.Clicks {
		if c {
			s.clicks[req.User]++
		}
	}
	if fb.SessionEnd {
		c := s.clicks[req.User]
		delete(s.clicks, req.User)
		if req.Time+s.w.p.ReturnWindow <= s.w.p.Horizon {
			r := s.byC[c]
			if fb.ReturnGap <= s.w.p.ReturnWindow {
				r[0]++
			}
			r[1]++
			s.byC[c] = r
		}
	}
}

func TestReturnRisesWithClicks(t *testing.T) {
	cfg := smallGen()
	cfg.Users, cfg.Horizon, cfg.GapSpread = 1500, 96, 0
	w, err := NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sl := &sessionLog{RandomPolicy: NewRandomPolicy(4), clicks: map[int32]int{}, byC: map[int][2]int{}, w: w}
	s, err := Run(w, sl, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ret, obs int
	prev := -1.0
	for c := 0; c <= 2; c++ {
		r := sl.byC[c]
		if r[1] < 200 {
			t.Fatalf("only %d sessions with %d clicks", r[1], c)
		}
		got := float64(r[0]) / float64(r[1])
		// Closed form: gap ~ Exp(mean MeanGap/(1+gain·c)).
		want := 1 - math.Exp(-cfg.ReturnWindow*(1+cfg.ReturnGain*float64(c))/cfg.MeanGap)
		se := math.Sqrt(want * (1 - want) / float64(r[1]))
		t.Logf("%d clicks: return rate %.3f over %d sessions, closed form %.3f", c, got, r[1], want)
		if math.Abs(got-want) > 4*se {
			t.Errorf("%d clicks: return rate %.3f, closed form %.3f (s.e. %.3f)", c, got, want, se)
		}
		if got <= prev {
			t.Errorf("return rate did not rise from %d to %d clicks", c-1, c)
		}
		prev = got
	}
	for _, r := range sl.byC {
		ret += r[0]
		obs += r[1]
	}
	if int64(obs) != s.ReturnSessions || math.Abs(float64(ret)/float64(obs)-s.ReturnRate) > 1e-12 {
		t.Errorf("Stats return rate %.4f over %d sessions, recount %.4f over %d", s.ReturnRate, s.ReturnSessions, float64(ret)/float64(obs), obs)
	}
}

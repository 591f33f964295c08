package simulator

import (
	"math"
	"strings"
	"testing"
)

func TestSlateMetricsByHand(t *testing.T) {
	m := newMetrics(10, 20)
	items := []Item{
		{Features: []float32{1, 0}, Topic: 0},
		{Features: []float32{1, 1}, Topic: 0},
		{Features: []float32{0, 1}, Topic: 1},
		{Features: []float32{0, 0}, Topic: 1},
	}
	probs := []float64{0.1, 0.5, 0.3, 0.2}
	// Slate (2, 0): true top-2 is (1, 2), so one hit; the click is at position 1.
	m.slate(12, items, probs, []int32{2, 0}, []bool{false, true})
	s := m.stats()
	l3 := math.Log2(3)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"CTR", s.CTR, 0.5},
		{"ExpectedCTR", s.ExpectedCTR, 0.2},
		{"Precision", s.Precision, 0.5},
		{"NDCG", s.NDCG, (0.3 + 0.1/l3) / (0.5 + 0.3/l3)},
		{"NDCGClicks", s.NDCGClicks, (1 / l3) / 1},
		{"ILS", s.ILS, 0},           // (0,1)·(1,0) = 0
		{"TopicILS", s.TopicILS, 0}, // topics 1 and 0
		{"window 1 CTR", s.Windows[1].CTR, 0.5},
		{"window 0 requests", float64(s.Windows[0].Requests), 0},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// A second slate (1, 0, 3): cosines (1,1)/(1,0) = 1/√2, the zero vector 0; one same-topic pair of three.
	m.slate(1, items, probs, []int32{1, 0, 3}, []bool{false, false, false})
	s = m.stats()
	if want := (0 + (1/math.Sqrt2)/3) / 2; math.Abs(s.ILS-want) > 1e-12 {
		t.Errorf("ILS over two slates = %v, want %v", s.ILS, want)
	}
	if want := (0 + 1.0/3) / 2; math.Abs(s.TopicILS-want) > 1e-12 {
		t.Errorf("TopicILS over two slates = %v, want %v", s.TopicILS, want)
	}
	if s.Windows[0].Requests != 1 || s.Windows[0].NDCGClicks != 0 {
		t.Errorf("window 0: %+v", s.Windows[0])
	}
	m.sessionEnd(3, true, true)
	m.sessionEnd(4, true, false)
	m.sessionEnd(15, false, false)
	s = m.stats()
	if s.Sessions != 3 || s.ReturnSessions != 2 || s.ReturnRate != 0.5 || s.Windows[1].ReturnSessions != 0 {
		t.Errorf("sessions %d, observable %d, return rate %v", s.Sessions, s.ReturnSessions, s.ReturnRate)
	}
}

func TestBadConfig(t *testing.T) {
	cases := []struct {
		field string
		mod   func(*GenerativeConfig)
	}{
		{"Horizon", func(c *GenerativeConfig) { c.Horizon = 0 }},
		{"Horizon", func(c *GenerativeConfig) { c.Horizon = math.Inf(1) }},
		{"PoolSize", func(c *GenerativeConfig) { c.PoolSize = 0 }},
		{"FreshHalfLife", func(c *GenerativeConfig) { c.FreshHalfLife = -1 }},
		{"ContinueProb", func(c *GenerativeConfig) { c.ContinueProb = 1 }},
		{"InSessionGap", func(c *GenerativeConfig) { c.InSessionGap = 0 }},
		{"ReturnGain", func(c *GenerativeConfig) { c.ReturnGain = math.NaN() }},
		{"ReturnWindow", func(c *GenerativeConfig) { c.ReturnWindow = 0 }},
		{"WindowHours", func(c *GenerativeConfig) { c.WindowHours = -3 }},
		{"HistHalfLife", func(c *GenerativeConfig) { c.HistHalfLife = 0 }},
		{"Users", func(c *GenerativeConfig) { c.Users = 0 }},
		{"Dim", func(c *GenerativeConfig) { c.Dim = 0 }},
		{"Topics", func(c *GenerativeConfig) { c.Topics = -1 }},
		{"ItemsPerHour", func(c *GenerativeConfig) { c.ItemsPerHour = 0 }},
		{"ItemsPerHour", func(c *GenerativeConfig) { c.ItemsPerHour = 1e9 }},
		{"ItemLifetime", func(c *GenerativeConfig) { c.ItemLifetime = 0 }},
		{"Bias", func(c *GenerativeConfig) { c.Bias = math.Inf(-1) }},
		{"QualityStd", func(c *GenerativeConfig) { c.QualityStd = -1 }},
		{"TopicSpread", func(c *GenerativeConfig) { c.TopicSpread = -1 }},
		{"PrefStd", func(c *GenerativeConfig) { c.PrefStd = -1 }},
		{"DriftTau", func(c *GenerativeConfig) { c.DriftTau = -1 }},
		{"MeanGap", func(c *GenerativeConfig) { c.MeanGap = 0 }},
		{"GapSpread", func(c *GenerativeConfig) { c.GapSpread = -1 }},
	}
	for _, c := range cases {
		cfg := DefaultGenerative()
		c.mod(&cfg)
		_, err := NewGenerative(cfg)
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v, want one naming the field", c.field, err)
		}
	}
	if _, err := NewPopularityPolicy(0, 1); err == nil || !strings.Contains(err.Error(), "half-life") {
		t.Errorf("popularity half-life 0: %v", err)
	}
	w, _ := NewGenerative(DefaultGenerative())
	if _, err := Run(w, NewRandomPolicy(1), 0); err == nil || !strings.Contains(err.Error(), "k must") {
		t.Errorf("k = 0: %v", err)
	}
}

func TestRespondErrors(t *testing.T) {
	cfg := DefaultGenerative()
	cfg.Users = 10
	w, err := NewGenerative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, ok := w.Next()
	if !ok || len(req.Items) < 3 {
		t.Fatalf("no request with 3 candidates: %v %d", ok, len(req.Items))
	}
	for _, bad := range [][]int32{{0, 0}, {-1}, {int32(len(req.Items))}} {
		if _, err := w.Respond(req, bad); err == nil {
			t.Errorf("slate %v accepted", bad)
		}
	}
	other := req
	other.Seq++
	if _, err := w.Respond(other, []int32{0}); err == nil {
		t.Error("answer to a request not outstanding accepted")
	}
	if _, err := w.TrueProbs(other); err == nil {
		t.Error("TrueProbs for a request not outstanding accepted")
	}
	fb, err := w.Respond(req, []int32{2, 0})
	if err != nil || len(fb.Clicks) != 2 {
		t.Fatalf("valid slate: %v, %d clicks", err, len(fb.Clicks))
	}
	if _, err := w.Respond(req, []int32{1}); err == nil {
		t.Error("second answer to the same request accepted")
	}
	if _, ok := w.Next(); !ok {
		t.Fatal("no second request")
	}
	if _, ok := w.Next(); ok {
		t.Error("Next after an unanswered request went on")
	}
}

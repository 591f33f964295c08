package rl

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/plot"
	"github.com/recforge/recforge/simulator"
)

// Result is what Run records of one policy in one environment.
type Result struct {
	// Name labels the policy in tables and figures.
	Name string
	// Stats are the environment's metrics: totals and one entry per window
	// of simulated time.
	Stats simulator.Stats
	// Learning has one entry per window of Stats.Windows when the policy is
	// an *Agent, nil otherwise.
	Learning []LearningWindow
}

// LearningWindow is what an Agent did during one window of simulated time.
type LearningWindow struct {
	Start, End   float64 // simulated hours covered
	MajorUpdates int64   // replay mini-batch updates
	TDLoss       float64 // their mean squared TD error (NaN when none)
	Duels        int64   // DBGD comparisons with a click
	ExploreWins  int64   // comparisons the explore network won
}

// Run drives policy p through env until the horizon with slates of k items,
// as simulator.Run does, and also records an Agent's learning per window of
// simulated time. A policy with an Err() error method (Agent, the oracle)
// that reports an error stops the run with it.
func Run(env simulator.Env, p simulator.Policy, name string, k int) (Result, error) {
	if k < 1 {
		return Result{}, fmt.Errorf("rl: slate size k = %d, want ≥ 1", k)
	}
	res := Result{Name: name}
	agent, _ := p.(*Agent)
	failer, _ := p.(interface{ Err() error })
	var bounds []float64 // window ends, from the environment's empty Stats
	var last Diagnostics
	if agent != nil {
		for _, w := range env.Stats().Windows {
			res.Learning = append(res.Learning, LearningWindow{Start: w.Start, End: w.End})
			bounds = append(bounds, w.End)
		}
	}
	win := 0
	closeWindow := func() {
		d := agent.Diagnostics()
		lw := &res.Learning[win]
		lw.MajorUpdates = d.MajorUpdates - last.MajorUpdates
		lw.TDLoss = math.NaN()
		if lw.MajorUpdates > 0 {
			lw.TDLoss = (d.LossSum - last.LossSum) / float64(lw.MajorUpdates)
		}
		lw.Duels = d.Duels - last.Duels
		lw.ExploreWins = d.ExploreWins - last.ExploreWins
		last = d
	}
	for {
		req, ok := env.Next()
		if !ok {
			break
		}
		for agent != nil && win < len(bounds)-1 && req.Time >= bounds[win] {
			closeWindow()
			win++
		}
		slate := p.Rank(req, k)
		if failer != nil && failer.Err() != nil {
			return Result{}, fmt.Errorf("rl: policy %s: %w", name, failer.Err())
		}
		if len(slate) > k {
			return Result{}, fmt.Errorf("rl: policy %s returned %d items for a slate of %d", name, len(slate), k)
		}
		fb, err := env.Respond(req, slate)
		if err != nil {
			return Result{}, fmt.Errorf("rl: policy %s: %w", name, err)
		}
		p.Observe(req, slate, fb)
		if failer != nil && failer.Err() != nil {
			return Result{}, fmt.Errorf("rl: policy %s: %w", name, failer.Err())
		}
	}
	if agent != nil && len(res.Learning) > 0 {
		for ; win < len(res.Learning); win++ {
			closeWindow()
		}
	}
	res.Stats = env.Stats()
	return res, nil
}

// WriteCurves draws the per-window CTR, precision@k, nDCG@k (true model),
// intra-list similarity and return rate of several results as stacked
// panels against simulated time (.svg or .png by path's extension).
func WriteCurves(path, title string, results []Result) error {
	if len(results) == 0 {
		return fmt.Errorf("rl: WriteCurves: no results")
	}
	metrics := []struct {
		label string
		get   func(simulator.WindowStats) float64
	}{
		{"CTR", func(w simulator.WindowStats) float64 { return w.CTR }},
		{"precision@k", func(w simulator.WindowStats) float64 { return w.Precision }},
		{"nDCG@k", func(w simulator.WindowStats) float64 { return w.NDCG }},
		{"ILS (cosine)", func(w simulator.WindowStats) float64 { return w.ILS }},
		{"return rate", func(w simulator.WindowStats) float64 { return w.ReturnRate }},
	}
	panels := make([]plot.Panel, len(metrics))
	for m, mt := range metrics {
		panels[m].YLabel = mt.label
		for _, r := range results {
			s := plot.Series{Name: r.Name}
			for _, w := range r.Stats.Windows {
				// Windows without requests (or, for the return rate, without
				// observable sessions) have no value to draw.
				if w.Requests == 0 || (m == len(metrics)-1 && w.ReturnSessions == 0) {
					continue
				}
				s.X = append(s.X, (w.Start+w.End)/2)
				s.Y = append(s.Y, mt.get(w))
			}
			if len(s.X) > 0 {
				panels[m].Series = append(panels[m].Series, s)
			}
		}
	}
	kept := panels[:0]
	for _, p := range panels {
		if len(p.Series) > 0 {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("rl: WriteCurves: no window has requests")
	}
	return plot.LearningCurve(path, plot.CurveChart{Title: title, XLabel: "simulated hours", Panels: kept})
}

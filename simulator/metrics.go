package simulator

import "math"

// Stats holds the metrics an environment computes from what happened. The
// per-slate metrics are means over answered requests with a non-empty
// slate; the window breakdown uses the same definitions.
type Stats struct {
	Requests    int64 // requests answered
	Impressions int64 // slate positions shown
	Clicks      int64 // clicks drawn
	Sessions    int64 // sessions ended (a visit's last request answered)

	// CTR is Clicks / Impressions.
	CTR float64
	// ExpectedCTR is the mean true click probability of the items shown: the
	// CTR with the click noise averaged out.
	ExpectedCTR float64
	// Precision is the mean fraction of a slate that lies in the pool's true
	// top-|slate| by click probability (precision@k w.r.t. the true model).
	Precision float64
	// NDCG is the mean nDCG@|slate| with the true click probabilities as
	// gains, the ideal being the pool's top items by true probability.
	NDCG float64
	// NDCGClicks is the mean nDCG@|slate| with the clicks as binary gains,
	// the ideal having every click at the top; a slate without clicks counts
	// as 0.
	NDCGClicks float64
	// ILS is the mean intra-list similarity: the average cosine similarity
	// of item features over all pairs within a slate (slates of two or more).
	ILS float64
	// TopicILS is the mean fraction of same-topic pairs within a slate.
	TopicILS float64
	// ReturnRate is the fraction of ended sessions after which the user came
	// back within the environment's return window, counted over sessions
	// that ended at least a return window before the horizon.
	ReturnRate float64
	// ReturnSessions is the number of sessions ReturnRate is computed over.
	ReturnSessions int64

	// Windows breaks the metrics down by simulated time: window i covers
	// requests (and session ends) in [i·WindowHours, (i+1)·WindowHours).
	Windows []WindowStats
}

// WindowStats is Stats restricted to one window of simulated time.
type WindowStats struct {
	Start, End     float64 // simulated hours covered
	Requests       int64
	Impressions    int64
	Clicks         int64
	Sessions       int64
	CTR            float64
	ExpectedCTR    float64
	Precision      float64
	NDCG           float64
	NDCGClicks     float64
	ILS            float64
	TopicILS       float64
	ReturnRate     float64
	ReturnSessions int64
}

// accum holds running sums for one span of time.
type accum struct {
	requests, impressions, clicks, sessions int64
	ilsSlates                               int64
	retSessions, returned                   int64
	sumP, sumPrec, sumNDCG, sumNDCGc        float64
	sumILS, sumTopic                        float64
}

func (a *accum) fill() (ctr, ectr, prec, ndcg, ndcgc, ils, tils, ret float64) {
	div := func(s float64, n int64) float64 {
		if n == 0 {
			return 0
		}
		return s / float64(n)
	}
	ctr = div(float64(a.clicks), a.impressions)
	ectr = div(a.sumP, a.impressions)
	prec = div(a.sumPrec, a.requests)
	ndcg = div(a.sumNDCG, a.requests)
	ndcgc = div(a.sumNDCGc, a.requests)
	ils = div(a.sumILS, a.ilsSlates)
	tils = div(a.sumTopic, a.ilsSlates)
	ret = div(float64(a.returned), a.retSessions)
	return
}

// metrics accumulates the whole run and its time windows.
type metrics struct {
	window  float64
	total   accum
	windows []accum
	// scratch for the per-slate computations
	order []int32
}

func newMetrics(window, horizon float64) *metrics {
	n := int(math.Ceil(horizon / window))
	if n < 1 {
		n = 1
	}
	return &metrics{window: window, windows: make([]accum, n)}
}

func (m *metrics) at(t float64) *accum {
	i := int(t / m.window)
	if i < 0 {
		i = 0
	}
	if i >= len(m.windows) {
		i = len(m.windows) - 1
	}
	return &m.windows[i]
}

// slate records one answered request: probs are the true probabilities of
// the whole pool, slate the shown indices and clicks their outcomes.
func (m *metrics) slate(t float64, items []Item, probs []float64, slate []int32, clicks []bool) {
	w := m.at(t)
	k := len(slate)
	var sp, prec, ndcg, ndcgc, ils, tils float64
	var nc int64
	hasILS := k >= 2
	if k > 0 {
		for _, ix := range slate {
			sp += probs[ix]
		}
		// The pool's true top-k by insertion into a sorted prefix (k is
		// small), ties broken by index so the result is deterministic.
		m.order = m.order[:0]
		for i := range probs {
			ii := int32(i)
			if len(m.order) == k && !better(probs, ii, m.order[k-1]) {
				continue
			}
			if len(m.order) < k {
				m.order = append(m.order, ii)
			} else {
				m.order[k-1] = ii
			}
			for j := len(m.order) - 1; j > 0 && better(probs, m.order[j], m.order[j-1]); j-- {
				m.order[j], m.order[j-1] = m.order[j-1], m.order[j]
			}
		}
		top := m.order
		threshold := probs[top[k-1]]
		var hits int
		for _, ix := range slate {
			// An item tied with the k-th best counts as a hit too: swapping
			// equal-probability items cannot change any outcome.
			if probs[ix] >= threshold {
				hits++
			}
		}
		prec = float64(hits) / float64(k)
		var dcg, idcg, dcgc, idcgc float64
		for pos, ix := range slate {
			disc := 1 / math.Log2(float64(pos)+2)
			dcg += probs[ix] * disc
			idcg += probs[top[pos]] * disc
			if clicks[pos] {
				dcgc += disc
				idcgc += 1 / math.Log2(float64(nc)+2)
				nc++
			}
		}
		if idcg > 0 {
			ndcg = dcg / idcg
		}
		if idcgc > 0 {
			ndcgc = dcgc / idcgc
		}
		if hasILS {
			var pairs int
			for a := 0; a < k; a++ {
				for b := a + 1; b < k; b++ {
					ia, ib := &items[slate[a]], &items[slate[b]]
					ils += cosine(ia.Features, ib.Features)
					if ia.Topic == ib.Topic {
						tils++
					}
					pairs++
				}
			}
			ils /= float64(pairs)
			tils /= float64(pairs)
		}
	}
	for _, a := range []*accum{&m.total, w} {
		a.requests++
		a.impressions += int64(k)
		a.clicks += nc
		a.sumP += sp
		a.sumPrec += prec
		a.sumNDCG += ndcg
		a.sumNDCGc += ndcgc
		if hasILS {
			a.ilsSlates++
			a.sumILS += ils
			a.sumTopic += tils
		}
	}
}

// sessionEnd records a session that ended at time end; observable tells
// whether a full return window fits before the horizon, returned whether
// the user came back within it.
func (m *metrics) sessionEnd(end float64, observable, returned bool) {
	for _, a := range []*accum{&m.total, m.at(end)} {
		a.sessions++
		if observable {
			a.retSessions++
			if returned {
				a.returned++
			}
		}
	}
}

func (m *metrics) stats() Stats {
	s := Stats{Requests: m.total.requests, Impressions: m.total.impressions, Clicks: m.total.clicks,
		Sessions: m.total.sessions, ReturnSessions: m.total.retSessions}
	s.CTR, s.ExpectedCTR, s.Precision, s.NDCG, s.NDCGClicks, s.ILS, s.TopicILS, s.ReturnRate = m.total.fill()
	s.Windows = make([]WindowStats, len(m.windows))
	for i := range m.windows {
		a := &m.windows[i]
		w := WindowStats{Start: float64(i) * m.window, End: float64(i+1) * m.window, Requests: a.requests,
			Impressions: a.impressions, Clicks: a.clicks, Sessions: a.sessions, ReturnSessions: a.retSessions}
		w.CTR, w.ExpectedCTR, w.Precision, w.NDCG, w.NDCGClicks, w.ILS, w.TopicILS, w.ReturnRate = a.fill()
		s.Windows[i] = w
	}
	return s
}

// cosine is the cosine similarity of two feature vectors, 0 when either is
// all zeros (an item without content features is similar to nothing).
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// better orders pool indices by descending probability, then index.
func better(probs []float64, a, b int32) bool {
	if probs[a] != probs[b] {
		return probs[a] > probs[b]
	}
	return a < b
}

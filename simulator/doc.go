// Package simulator is a seeded, deterministic recommendation environment
// for online (reinforcement-learning) recommenders such as DRN: simulated
// time in hours, users who arrive in sessions, a news-like candidate pool
// whose items are born, age and lose freshness, a top-k slate chosen by a
// policy, and clicks drawn from a user model whose true click
// probabilities are known (the oracle).
//
// # Contract
//
// An Env hands out requests in time order (Next), answers a slate with
// clicks (Respond) and reports metrics (Stats). A Policy is anything with
//
//	Rank(req Request, k int) []int32                 // up to k distinct indices into req.Items, best first
//	Observe(req Request, slate []int32, fb Feedback) // the clicks, whether the session ended, the gap to the user's next request
//
// Run drives a policy through an environment. Environments that know their
// click model implement Oracle (TrueProbs), which OraclePolicy ranks by.
// Feedback.ReturnGap is the user's return time that DRN's activeness
// reward needs; the environment draws it when the slate is answered.
//
// # User models
//
// NewGenerative plants the truth: each user has hidden preferences θ_u in
// the item feature space that drift as an Ornstein–Uhlenbeck process, each
// item a topic, a feature vector near its topic's centre and a quality, and
//
//	P(click | u, i, t) = σ(bias + quality_i + θ_u(t)·x_i) · 2^(−age_i(t)/halfLife)
//
// Users come back after a session sooner the more they clicked in it: the
// gap to the next session is exponential with mean
// meanGap_u / (1 + returnGain · sessionClicks), so the return rate rises
// with satisfaction by construction.
//
// NewReplay builds semi-synthetic worlds from real logs (MovieLens-100K
// with genres and timestamps, the SASRec Amazon Video Games sequences):
// a logistic matrix factorisation fitted on the log becomes the hidden
// click model, users' first arrivals and mean return gaps come from their
// timestamps, and items enter circulation at their first rating (FitReplay
// fits once; ReplayModel.NewWorld starts identical fresh worlds). The
// Amazon log has neither timestamps nor content: there item births are
// uniform over the horizon, users' gaps scale inversely with their number
// of interactions, and the item features shown to policies are the fitted
// item factors blurred by noise, a stand-in for content. Only the
// preferences and timings are real; clicks, freshness and the return
// behaviour are simulated on top of them, so results on these worlds say
// how a policy fares against a plausible model of real users, not how it
// would fare on the real site.
//
// # Metrics
//
// Stats reports CTR, the expected CTR (mean true probability of what was
// shown), precision@k and nDCG@k against the true probabilities, nDCG@k
// against the clicks, intra-list similarity (feature cosine and same
// topic), the return rate, and all of them per window of simulated time.
//
// # Baselines
//
// RandomPolicy, PopularityPolicy (recent clicks, exponentially decayed) and
// OraclePolicy (true probabilities) need no learning.
package simulator

// Package metric computes the evaluation metrics recforge reports: exact,
// tie-aware AUC and both forms of gAUC, log loss, RMSE, MAE and accuracy for
// pointwise (CTR) prediction, and HR@K, NDCG@K, MRR, Recall@K and
// Precision@K for ranking one user's candidates, with an accumulator that
// averages them over users. A Report carries the numbers together with the
// protocol they were measured under and serializes to JSON with a stable
// key order.
//
// Conventions shared by every function:
//   - Scores and labels are float32 or float64 slices of equal length.
//     Binary labels must be exactly 0 or 1.
//   - Bad input (length mismatch, empty input, a NaN score, a label out of
//     range, K < 1) returns an error wrapping one of the Err* sentinels; no
//     function panics on its input.
//   - A metric that is mathematically undefined on valid input (AUC when one
//     class is absent, gAUC when no group has both classes, a ranking metric
//     for a user with no relevant item) returns NaN and an error wrapping
//     ErrUndefined, so a caller can either propagate it or skip the user or
//     group.
//   - Sums are accumulated in float64 whatever the input type; pair counts
//     are exact (integers well within float64's 2^53).
//
// Ranking ties are broken pessimistically: an irrelevant item whose score
// equals a relevant item's score is ranked above it. For the NCF
// leave-one-out protocol this means a sampled negative scored exactly like
// the held-out positive counts as ranked above the positive, so a model that
// scores everything equally gets the worst rank, not an average one.
//
// The package knows nothing of models, data files or training; it computes
// on slices the caller already holds.
package metric

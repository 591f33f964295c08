// Package rating predicts explicit ratings: Koren's baseline estimator,
// biased matrix factorization and AutoRec (I- and U-), trained on
// MovieLens-style rating logs and scored by RMSE and MAE.
package rating

// Package implicit ranks items from implicit feedback (interactions without
// ratings): ItemPop, matrix factorization, and the three models of Neural
// Collaborative Filtering (He et al., WWW'17; docs/models/neuralcf.md):
//
//	GMF    ŷ = σ(hᵀ(p_u ⊙ q_i))
//	MLP    ŷ = σ(hᵀ φ),  φ = ReLU tower of concat[p_u, q_i], widths halving (64→32→16→8)
//	NeuMF  ŷ = σ(hᵀ[φ_GMF; φ_MLP]), the two branches with separate embeddings
//	MF     ŷ = σ(p_uᵀ q_i + b_i)
//
// Training (Train) is NCF's: log loss on every positive and 4 negatives per
// positive drawn from the items the user has no training interaction with,
// resampled every epoch; shuffled mini-batches of 256; N(0, 0.01)
// embeddings; Adam. NeuMF is pretrained as in the paper: a GMF and an MLP
// are trained first, the NeuMF starts from both with its output weights
// h = [α·h_GMF; (1−α)·h_MLP] (α = 0.5), and is fine-tuned with plain SGD.
// Everything is seeded and single-threaded: a seed gives the same numbers
// bit for bit.
//
// Every model scores with a train.ScoreFunc (Ranker.Score), so that the
// numbers come from the protocols of package train:
//   - LOO, leave-one-out: each user's held-out item among 99 sampled items,
//     HR@10 and NDCG@10 (NCF's protocol), on the NCF/DeepCF files (LoadNCF)
//     or MovieLens with the latest rating held out (LoadMovieLens);
//   - Full ranking: each user's test items among all items not trained on,
//     Recall@20 and NDCG@20, on the ML-1M LCF split (LoadML1MImplicit).
//
// Scoring batches the candidate items through the layers: the MLP's first
// layer splits into a user half computed once per user and an item half that
// is one matrix product over the gathered item rows.
//
// Hyper-parameters are tuned (Tune, Execute with Plan.Tune) on a validation
// hold-out carved from the training rows only (Dataset.Validation), never on
// the test items.
package implicit

// Package implicit holds the data and the protocol runner of ranking from
// implicit feedback (interactions without ratings). The models — ItemPop,
// MF and the three models of Neural Collaborative Filtering (He et al.,
// WWW'17; docs/models/neuralcf.md), GMF, MLP and NeuMF — are registered
// models of package model (task "ranking") over a (user, item) layout;
// this package feeds them and evaluates them through the one training core
// of package train:
//
//   - Dataset: an interaction log with its held-out part and protocol,
//     loaded by Open (LoadNCF, LoadMovieLens, LoadML1MImplicit); Encoders
//     and IDs give the layout of its ids (a user and an item field whose
//     vocabularies are the data's ids), so that a trained model saves,
//     predicts and serves as any other.
//   - Source: the train.Source of NCF's training: every positive and 4
//     negatives per positive drawn from the items the user has no training
//     interaction with, resampled every epoch as a function of the seed and
//     the epoch alone; train.Fit shuffles them into mini-batches of 256.
//   - Dataset.Evaluator: the protocol's train.Evaluator, train.LeaveOneOut
//     (each user's held-out item among 99 sampled items, HR@10 and NDCG@10,
//     NCF's protocol, on the NCF/DeepCF files or MovieLens with the latest
//     rating held out) or train.FullRanking (each user's test items among
//     all items not trained on, Recall@20 and NDCG@20, on the ML-1M LCF
//     split).
//   - Fit, Tune and Execute: `recforge ranking`'s experiments, one
//     train.Fit per model and seed. NeuMF is pretrained as in the paper: a
//     GMF and an MLP are trained first (model.Pretrainer), the NeuMF starts
//     from both with its output weights h = [α·h_GMF; (1−α)·h_MLP]
//     (α = 0.5), and is fine-tuned with plain SGD; a plan that trains that
//     very GMF and MLP lends them to its NeuMF (train.Options.Pretrained).
//     Hyper-parameters are tuned (Tune, Execute with Plan.Tune) on a
//     validation hold-out carved from the training rows only
//     (Dataset.Validation), never on the test items.
//
// Everything is seeded and single-threaded unless blas is told otherwise:
// a seed gives the same numbers bit for bit.
package implicit

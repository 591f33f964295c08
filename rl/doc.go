// Package rl is DRN (Zheng et al., WWW'18), the deep reinforcement-learning
// news recommender, as a policy for package simulator, with the pieces it is
// built from.
//
// # Pieces
//
//   - The dueling Q network, Q(s, a) = V(s) + A(s, a), V over the user and
//     context columns of a row, A over the whole row (user, context, item
//     and user–item features), is the registered model "drn"
//     (model.QNet), built with model.New over the schema of the agent's
//     rows, so that a trained policy is saved, loaded and served as any
//     model's artifact.
//   - DQN and Replay: the major update. Steps (the rows of one slate, their
//     rewards, and the candidates of the user's next request) are replayed
//     in mini-batches against the double-DQN target
//     y = r + γ·Q(s', argmax_a' Q(s', a'; W); W'); the regression on y is
//     the shared trainer's step (train.Stepper: squared error, Adam,
//     gradient clipping); the target network W' is refreshed every
//     TargetSync updates.
//   - Activeness: the survival model of user activeness — S0 at the first
//     visit, exp(−λ0·Δt) decay between visits, +S_a on each return, capped
//     at 1.
//   - DBGD and Interleaver: the minor update. An explore network
//     W̃ = W + α·rand(−1, 1)·W ranks next to W, the two rankings are merged
//     by probabilistic interleaving, and if W̃'s positions win more clicks
//     W moves towards it.
//   - Agent: all of it as a simulator.Policy. Config switches exploration
//     (DBGD, ε-greedy, none), the activeness reward (β) and the major
//     updates, so DRN, the DQN baselines and the ablations are presets of one
//     struct (Preset, PresetNames).
//   - Run and WriteCurves: drive a policy through a simulator.Env, keeping
//     the environment's per-window metrics (CTR, precision@k and nDCG@k
//     against the true model, intra-list similarity, return rate) and an
//     Agent's learning per window, and draw them against simulated time.
//   - OfflinePolicy: the supervised baseline, a registered CTR model
//     fitted once by train.Fit on a day of logged random slates.
//   - RunExperiment: the protocol of `recforge drn` — every policy in a
//     fresh world per seed, metrics summarized over seeds for the whole
//     run and its last part, per-window curves, and optionally the DRN
//     agent's Q-network saved as a model artifact.
//
// # Rewards and transitions
//
// Every request is a visit. A shown item's reward is its click plus
// β times the user's activeness right after their next visit, which the
// simulator's Feedback.ReturnGap gives at once:
// min(1, S·exp(−λ0·gap) + S_a). The step's next state is the user's next
// request, so the step waits (one per user) until that request arrives and
// then enters the replay memory with the NextCandidates best of its
// candidates by the online network (the double-DQN argmax is taken among
// them: storing whole pools would cost PoolSize rows per step). A user who
// does not come back before the horizon ends the episode: activeness 0, no
// future term.
//
// # Features
//
// The request's user features and context, plus the agent's own activeness
// and click count for the user, form the state; the item's features, its
// freshness and the agent's decayed CTR and impression counts for it, and
// the user–item features (the user's decayed mean clicked-item profile
// times the item's features, and the user's share of clicks on the item's
// topic) form the action. The widths are taken from the first request.
//
// # Departures and choices
//
// The advantage is not centred (the candidate set changes every request).
// The DBGD step is W ← W + η·ΔW (the paper prints W + η·W̃). ΔW ∝ W only
// rescales weights, never flips a sign, and accepted steps shrink weights on
// average; the default α·η is kept small for that reason. The activeness
// hazard and jump (λ0 = 0.05/hour, S_a = 0.3), γ = 0.5, β = 0.1 and the
// network sizes are this package's defaults, not values from the paper.
//
// Everything is deterministic by Config.Seed; a DRN step allocates nothing
// once the buffers have grown to the largest pool and the users and items
// have been seen.
package rl

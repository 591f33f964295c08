// Package optim updates recforge's trainable weights from their gradients:
// dense parameters (nn.Param) and embedding tables (nn.Table), with SGD
// (momentum, Nesterov), Adam, Adagrad and FTRL-Proximal, and the full-batch
// rules iRprop− (Rprop) and L-BFGS (LBFGS).
//
// # Groups
//
// Weights are trained in groups. A Group has a name, one update Rule, a base
// learning rate with an optional Schedule, its own regularization, and the
// parameters and tables it owns; an Optimizer holds the groups, so that e.g.
// Wide&Deep trains its wide part with FTRL and its deep part with Adagrad.
// Optimizer.Step updates every group, then clears the gradients it consumed.
//
// # Sparse (lazy) updates
//
// Tables are updated row-wise: only the rows touched in the batch
// (Table.TouchedRows) change, and so only their optimizer state, which lives
// right after each row's weights (Table.ReserveState, done when the table is
// added to a group). Nothing in a Step costs time proportional to a table's
// size. A row that is not touched keeps its weights and state unchanged: its
// momentum or moments are not decayed for the steps it missed. Adam's bias
// correction uses the group's global step count, not a per-row count — the
// convention of PyTorch's SparseAdam and TensorFlow's LazyAdam. When every
// row is touched at every step, the lazy update is bit-for-bit the dense one.
//
// # Order of a step
//
//  1. ClipValue clamps every gradient component; ClipNorm then scales all
//     gradients of all groups (dense and touched table rows) so that their
//     global L2 norm is at most ClipNorm.
//  2. Per group: the regularization gradient is added (L2 for dense
//     parameters, batch-only or mini-batch aware L2 for table rows), or with
//     DecoupledDecay the dense weights shrink by lr·L2 instead.
//  3. The rule updates weights and state; the gradients are cleared.
//
// Regularization is off by default: Group.L2 is zero and a table's TableReg
// defaults to RegNone. The L2 coefficient λ means the penalty (λ/2)‖w‖²,
// i.e. λ·w added to the gradient.
//
// Step is single-threaded, allocates nothing after the first call, and is
// deterministic: the same weights, gradients and settings give bit-identical
// results.
//
// # Steps that evaluate the loss
//
// StepWith takes the loss as a function that recomputes it and the
// gradients at the current weights. An elementwise rule calls it once and
// steps; L-BFGS, whose line search measures the objective at several
// points along its direction, calls it at each of them. Rprop and L-BFGS
// need the gradient of the whole objective (FullBatch): a trainer gives
// them every example of an epoch as one batch.
package optim

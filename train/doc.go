// Package train is the one training loop of every registered model, and
// the evaluators that score it. Fit takes a Source of examples — an
// encoded dataset view (Data.Source), an interaction log with negatives
// drawn afresh every epoch, a model's own rows — and owns what every model
// family shares: pretraining stages (model.Pretrainer), seeded shuffling,
// per-part optimizers, gradient clipping, early stopping on a validation
// Evaluator's metric with the best epoch's weights kept, learning-rate
// reduction on plateaus, a checkpoint after every epoch that a later run
// resumes from bit for bit, and progress reported through callbacks. It
// honours every optional ability a model declares (model/abilities.go):
// a model fitted in closed form runs no epochs, one that reads its
// training data whole (model.DataFitter) does so before the first, one
// whose examples are groups of rows (AutoRec's rating vectors) is batched
// by group, one with its own loss (model.Objective) is trained on it. The
// full-batch rules (iRprop−, L-BFGS) get the whole epoch as one batch, and
// every step goes through optim.Optimizer.StepWith, which lets L-BFGS
// measure the loss along its line search.
//
// It does not read files, parse flags or draw progress bars: callers
// (package pipeline, the recforge command) build the sources and render
// the callbacks.
package train

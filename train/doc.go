// Package train fits a model.Model to an encoded dataset and evaluates it:
// seeded shuffling, per-part optimizers, gradient clipping, early stopping
// on a validation metric, learning-rate reduction on plateaus, a checkpoint
// after every epoch that a later run resumes from bit for bit, and
// progress reported through callbacks.
//
// It does not read files, parse flags or draw progress bars: callers
// (the recforge command) build the datasets and render the callbacks.
package train

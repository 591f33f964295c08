// Package model holds recforge's models, one file per model, each
// registered by name (see Register and Names). A model maps a Batch of
// encoded examples to one output per row — a logit for click prediction, a
// value for regression — and back-propagates the gradient of a loss with
// respect to those outputs into its parameters.
//
// The package knows nothing of files, training loops or optimizers' rules:
// the train package drives Forward/Backward and updates the parameters a
// model lists in Parts; the feature package decides the input layout
// (Layout).
//
// Each model also estimates its memory from its configuration
// (Info.Footprint); New refuses a model that would not fit in the memory
// available (Env.MemoryLimit, internal/memlimit) before allocating it.
//
// Each model declares the hyper-parameters worth searching (Info.Space,
// package tune), or takes its task's default (SpaceOf); the search itself
// is package tune's and package pipeline's, not this one's.
package model

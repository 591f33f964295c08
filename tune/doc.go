// Package tune is recforge's hyper-parameter search: successive halving
// over an epoch budget, on configurations drawn from a declared search
// space with a seed.
//
// A Space lists the hyper-parameters to search, each drawn on a log scale
// (learning rates, penalties), on a linear one, or from a list of choices
// (widths). Sample draws a number of distinct configurations from it, the
// same ones for the same seed. Plan lays out the rungs of successive
// halving: every configuration trains a few epochs at the first rung, the
// best 1/η of them go on to the next with η times the epochs, and so on
// until one is left, which the caller then trains with the full budget.
// Halve runs the rungs, asking an Evaluate function for each
// configuration's score at each rung and ranking by it in the metric's
// direction; Run is Sample, Plan and Halve in one call.
//
// Boundaries: the package neither trains nor reads data. What a
// configuration means (which fields of a model's configuration its names
// set, which part of the data scores it) is the caller's: package pipeline
// runs each trial through its one training path and scores it on the
// validation part only, never on the test part. The package prints
// nothing; progress goes to callbacks.
package tune

// Package artifact stores one trained model as a self-contained directory:
// manifest.json (format version, recforge version, model name and
// hyper-parameters, feature schema and fitted encoders, training-data
// fingerprint, metrics and their protocol) and weights.safetensors (the
// weights, in the safetensors format, implemented here with the standard
// library), and for a ranking or rating model seen.safetensors: each user's
// items in the training log, which recommendation leaves out (Seen).
//
// Saving is atomic: the artifact is written in full into a temporary sibling
// directory, synced, and only then renamed into place, so a failure or a
// crash mid-write leaves any previous artifact intact. Reading validates
// everything it reads and reports bad input as errors, never panics.
//
// The package moves bytes between files and nn.Param / nn.Table values. It
// does not build models, train, evaluate or encode rows: callers construct
// the model of the right shape and pass its parameters in; the schema,
// encoders and hyper-parameters travel as opaque JSON.
package artifact

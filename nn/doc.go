// Package nn holds the layers recforge's models are built from, each with an
// explicit Forward and Backward pass over preallocated float32 buffers.
//
// Conventions shared by every layer:
//   - Activations are row-major [batch × width] slices. A layer is built for a
//     maximum batch size and allocates all its buffers then; any batch up to
//     that size runs without allocating.
//   - Forward(x, n, …) returns a slice owned by the layer, valid until the next
//     Forward. It keeps what Backward needs.
//   - Backward(dy) accumulates (+=) parameter gradients into Param.G or into
//     an embedding Table's sparse row gradients, and returns the gradient with
//     respect to the input in a slice owned by the layer (overwritten, not
//     accumulated). Backward may overwrite dy.
//   - Layers whose behaviour differs between training and inference
//     (Dropout, BatchNorm, Dice) implement Trainer; they start in training
//     mode.
//   - Every parameter is initialised from a caller-supplied seeded generator.
//
// The package computes gradients; it does not update parameters (package
// optim does) and knows nothing of data files, models or training loops.
package nn

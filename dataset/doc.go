// Package dataset turns a raw source and a feature schema into an encoded
// dataset ready for batching: it fits the encoders in one streaming pass,
// encodes every record with them into a memory-mapped columnar cache
// (package data/cache), and reuses that cache across epochs, runs and models
// for as long as neither the source nor the encoders change.
//
// It joins package data (readers, splits, batching) and package feature
// (schema and encoders); it knows nothing of models or training.
package dataset

// Package feature turns raw record columns into model inputs: a declarative
// Schema (YAML or Go) says what each column is; a streaming Fitter learns
// vocabularies and numeric statistics in memory bounded by the number of
// distinct values; the fitted Encoders serialize to JSON so that the model
// artifact carries them, and a RowEncoder bound to a column order encodes one
// record into a caller-owned Example without allocating.
//
// Boundaries: reading files and locating errors by file and line is package
// data's job (records arrive as [][]byte in the order of a column list);
// batching, caching and splits live elsewhere. Errors here name the field,
// column and value; the caller adds file and line.
//
// Id layout: all categorical ids live in one global id space. Id 0 is the
// padding id. Every table — a field, or a group of fields sharing an
// embedding — owns the range [Offset, Offset+Size): its first OOVBuckets ids
// are out-of-vocabulary ids, then the vocabulary in id order (or, for a
// hashed field, its HashBuckets buckets). A plain numeric field owns one id,
// whose embedding its normalized value scales.
package feature

// Package behavior builds behaviour-sequence samples for DIN/DIEN-style
// models from interaction logs: for each user and step in time order, the
// history of the user's earlier behaviours (the latest N) and a candidate
// with its label — the next real item as a positive and sampled items the
// user never touched as negatives, or, in a rated log, the rated item
// labelled by its rating. Logs are held once, each user's events back to
// back; a sample refers to its history (user and end position) instead of
// copying it, and the "behavior" reader it registers tells dataset.Build
// so (dataset.SeqWindower), which then stores each user's sequence once in
// the encoded cache as well.
//
// The sources are SASRec-style item sequences (amazon-video-seq),
// MovieLens-100K with genres and timestamps (DIN's MovieLens setup), the
// Amazon Electronics event log of DIN (torch-rechub's layout), and the
// planted-recent-interest generator of synth.Seq. Importing the package
// registers the reader, its source files and its built-in schema.
package behavior

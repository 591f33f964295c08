// Package data reads raw recommendation data — Criteo and Avazu logs, CSV
// and TSV with a header, libFM/libSVM/libFFM, MovieLens, NCF-style rating
// and negative files, behaviour sequences — as a stream of records whose
// columns are still raw bytes. Turning those bytes into ids and values is the
// job of package feature, so that training and serving encode a row the same
// way.
//
// Readers never hold a whole data file (movielens-ctr keeps the small user
// and item side tables it joins in memory): they stream line by line, read gzip
// transparently, and report malformed input as a *ParseError naming the file,
// line, column and what was expected — or, when asked, skip such rows and
// count them. A file that cannot be read on (a corrupt or truncated gzip
// stream) is no bad row: it ends the source with a *ReadError naming the
// file and the line where it broke, skipping or not.
//
// A spec's path may name several files — a glob, "criteo:day_*.gz", or a
// comma-separated list — read in order as one source (see Open), as a
// day-partitioned log is.
package data

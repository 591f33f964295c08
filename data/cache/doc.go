// Package cache stores encoded examples as a compact columnar binary file
// that is memory-mapped and reused across epochs and models, so that raw
// logs are parsed and encoded once.
//
// A cache file holds named columns of float32, int32 or int64 values, each
// either fixed-width (Width values per row), ragged (per-row offsets plus
// values, for sequences) or unrowed (one array of any length, for what
// concerns the whole cache and may outgrow the metadata). A versioned header carries a fingerprint of what
// the cache was built from — the source files and the fitted encoders —
// and the caller's metadata (what the build learned besides the rows, as
// the records it skipped), and OpenOrBuild rebuilds a cache whose fingerprint or format version no longer
// matches. The header and every column carry a CRC-32C, verified by Open:
// a damaged file is refused, and OpenOrBuild rebuilds it rather than trust
// it. Files are written to a temporary name and renamed into place, so a
// crash never leaves a half-written cache behind a valid name; the
// temporary files of a build that was killed are removed by the next build
// of the same cache, while those of a build still running are told apart by
// the lock their writer holds.
//
// The package knows nothing of schemas or models: callers decide what the
// columns mean.
package cache

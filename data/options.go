package data

import "fmt"

// DefaultMaxLineBytes bounds a line when ReadOptions.MaxLineBytes is 0:
// large enough for the longest real rows (NCF negative lines, user
// sequences of a few thousand items), small enough that a file without
// newlines cannot exhaust memory.
const DefaultMaxLineBytes = 1 << 20

// ReadOptions tune every text reader.
type ReadOptions struct {
	// SkipBad skips malformed rows instead of failing, counting them in
	// the reader's Skipped. File-level problems (an empty file, a bad
	// header) still fail, and so does a stream that breaks anywhere (a
	// corrupt or truncated gzip file: a *ReadError), since nothing after
	// the break can be read.
	SkipBad bool
	// MaxLineBytes bounds the length of a line (or of a CSV record whose
	// quoted fields span lines); longer ones are malformed. 0 means
	// DefaultMaxLineBytes.
	MaxLineBytes int
	// Columns names the columns of a headerless CSV/TSV file; when nil the
	// first line is the header. Only the generic CSV/TSV reader reads it.
	Columns []string
	// TrimSpace removes spaces and tabs around unquoted CSV/TSV fields, for
	// files written with ", " between fields (UCI Adult).
	TrimSpace bool
}

func (o ReadOptions) maxLine() int {
	if o.MaxLineBytes > 0 {
		return o.MaxLineBytes
	}
	return DefaultMaxLineBytes
}

// tooLong is the message of a line (or what stands for one, such as a
// user's sequence) over the limit: what, "longer than" max bytes, and how
// to raise the limit where the reader is used.
func tooLong(what string, max int) string {
	return fmt.Sprintf("%s longer than %d bytes (if it is genuine, raise the limit: --max-line-bytes or data: {max_line_bytes: N} "+
		"in recforge's configuration, ReadOptions.MaxLineBytes in Go)", what, max)
}

// Package corruptgz makes broken gzip files for tests: the bytes of a
// well-formed stream cut short, or with one bit flipped inside the
// compressed data, as a truncated download or a bad disk leaves them.
package corruptgz

import (
	"bytes"
	"compress/gzip"
)

// Kind is a way of breaking a gzip stream.
type Kind int

const (
	// Truncated keeps the first half of the stream.
	Truncated Kind = iota
	// BitFlipped flips one bit in the middle of the compressed data.
	BitFlipped
)

// Kinds lists every Kind, for tests that try them all.
var Kinds = []Kind{Truncated, BitFlipped}

// String names k.
func (k Kind) String() string {
	if k == Truncated {
		return "truncated"
	}
	return "bit-flipped"
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b) // writes to a bytes.Buffer cannot fail
	w.Close()
	return buf.Bytes()
}

// Make returns content gzipped and broken as k says. The gzip header (10
// bytes) stays intact, so that the file is recognised as gzip and opens;
// the damage shows when its data is read.
func Make(content []byte, k Kind) []byte {
	gz := Gzip(content)
	if k == Truncated {
		return gz[:len(gz)/2]
	}
	gz[len(gz)/2] ^= 0x10
	return gz
}

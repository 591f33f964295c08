package feature

import (
	"math"
	"strconv"
	"unsafe"
)

// parseNumber parses a decimal (or any strconv.ParseFloat syntax) finite
// number without allocating. Plain integers of up to 15 digits, the bulk of
// count features, take a fast exact path.
func parseNumber(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	i, neg := 0, false
	if b[0] == '-' || b[0] == '+' {
		neg, i = b[0] == '-', 1
	}
	if n := len(b) - i; n > 0 && n <= 15 {
		var v int64
		j := i
		for ; j < len(b); j++ {
			c := b[j] - '0'
			if c > 9 {
				break
			}
			v = v*10 + int64(c)
		}
		if j == len(b) {
			if neg {
				v = -v
			}
			return float64(v), true
		}
	}
	// The string aliases b only for the call; the error, which would keep
	// it, is dropped.
	v, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// maxBucketInput bounds |v| for the criteo_log2 bucket ⌊v⌋ of v ≤ 2, so
// that it fits an int64.
const maxBucketInput = 1 << 62

// criteoBucket is the Criteo-style discretization of a count: ⌊ln(v)²⌋ for
// v > 2, and ⌊v⌋ otherwise (so 3 and 1 share bucket 1, as in the reference
// preprocessing). ok is false for v below -2^62.
func criteoBucket(v float64) (bucket int64, ok bool) {
	if v > 2 {
		l := math.Log(v)
		return int64(math.Floor(l * l)), true
	}
	if v < -maxBucketInput {
		return 0, false
	}
	return int64(math.Floor(v)), true
}

// bucketToken writes bucket's decimal token into buf: the vocabulary of a
// bucketized field is keyed by these tokens.
func bucketToken(buf []byte, bucket int64) []byte {
	return strconv.AppendInt(buf[:0], bucket, 10)
}

package data

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// kind is what a column's raw bytes must look like.
type kind uint8

const (
	kindText    kind = iota // any valid UTF-8, may be empty
	kindLabel01             // exactly "0" or "1"
	kindFlag01              // a 0/1 flag that is not the label
	kindInt                 // a decimal integer, required
	kindOptInt              // a decimal integer or empty
	kindNat                 // a non-negative decimal integer (an id), required
	kindNum                 // a finite number, required
	kindOptNum              // a finite number or empty
)

// check returns what was expected when b is not of kind k, or "".
func (k kind) check(b []byte) string {
	switch k {
	case kindText:
		if !utf8.Valid(b) {
			return "expected UTF-8 text, found invalid bytes " + quoteBytes(b)
		}
	case kindLabel01:
		if len(b) != 1 || (b[0] != '0' && b[0] != '1') {
			if len(b) == 0 {
				return "missing label: expected 0 or 1"
			}
			return "expected a label 0 or 1, found " + quoteBytes(b)
		}
	case kindFlag01:
		if len(b) != 1 || (b[0] != '0' && b[0] != '1') {
			return "expected a flag 0 or 1, found " + quoteBytes(b)
		}
	case kindInt, kindOptInt, kindNat:
		if len(b) == 0 {
			if k == kindOptInt {
				return ""
			}
			return "expected an integer, found an empty value"
		}
		if _, ok := parseInt(b); !ok {
			return "expected an integer, found " + quoteBytes(b)
		}
		if k == kindNat && b[0] == '-' {
			return "expected a non-negative integer id, found " + quoteBytes(b)
		}
	case kindNum, kindOptNum:
		if len(b) == 0 {
			if k == kindOptNum {
				return ""
			}
			return "expected a number, found an empty value"
		}
		if !finiteNumber(b) {
			return "expected a finite number, found " + quoteBytes(b)
		}
	}
	return ""
}

// parseInt parses an optionally signed decimal int64 without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// finiteNumber reports whether b is a finite decimal number. Plain
// integers, the common case, take a fast path that does not allocate.
func finiteNumber(b []byte) bool {
	if _, ok := parseInt(b); ok {
		return true
	}
	if len(b) > 64 {
		return false
	}
	for _, c := range b {
		// Reject hex floats, "inf", "nan" and underscores up front:
		// none belongs in a data file's decimal column.
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			return false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// quoteBytes quotes a found value for an error message, shortened so that a
// huge bad field cannot flood a log.
func quoteBytes(b []byte) string {
	const max = 40
	if len(b) > max {
		return fmt.Sprintf("%q…", b[:max])
	}
	return fmt.Sprintf("%q", b)
}

package data

import (
	"bytes"
	"strings"
	"testing"
)

func FuzzLibFMFields(f *testing.F) {
	f.Add([]byte("1 3:1 10:1 7:1\n-1 4:1 10:1.0 8:1\n"))
	f.Add([]byte("0 3:1\n1 3:1 4:1\n1 x:1\n"))
	f.Add([]byte("1 3:0.5\r\n\n\t0  2:1e0"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		n := -1
		fuzzRead(t, dir, "libfm-fields", "a.libfm", data, ReadOptions{MaxLineBytes: 512}, func(cols [][]byte) string {
			// Every row has the first row's width; every field is an
			// index without its value.
			if n < 0 {
				n = len(cols)
			}
			if len(cols) != n || len(cols) < 2 {
				return "rows of different widths"
			}
			if !finiteNumber(cols[0]) {
				return "non-numeric label"
			}
			for _, c := range cols[1:] {
				if v, ok := parseInt(c); !ok || v < 0 || bytes.IndexByte(c, ':') >= 0 {
					return "a field is not an index"
				}
			}
			return ""
		})
	})
}

func FuzzAdult(f *testing.F) {
	f.Add([]byte("|1x3 Cross validator\n" + adultTrainLine + "\n" + adultMissing + "\n"))
	f.Add([]byte(adultTestLine + "\r\n\n" + adultTestLine[:40]))
	// Unlabeled, and mixed.
	unlabeled := strings.TrimSuffix(adultTrainLine, ", <=50K")
	f.Add([]byte("|1x3 Cross validator\n" + unlabeled + "\n" + adultTrainLine + "\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "adult", "adult.test", data, ReadOptions{MaxLineBytes: 512}, func(cols [][]byte) string {
			if len(cols) != len(AdultColumns) && len(cols) != len(AdultColumns)-1 {
				return "not 15 (or 14 unlabeled) columns"
			}
			for c, k := range adultKinds[:len(cols)] {
				if k.check(cols[c]) != "" || bytes.Equal(cols[c], []byte("?")) {
					return "column " + AdultColumns[c] + " is malformed"
				}
			}
			if len(cols) == len(AdultColumns) && adultLabel(cols[14]) != "" {
				return "bad label"
			}
			return allUTF8(cols)
		})
	})
}

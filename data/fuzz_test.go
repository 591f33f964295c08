package data

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzRead reads data as a file named name with the given reader, with and
// without skipping bad rows. Every failure must be a *ParseError, never a
// panic, and every record returned must pass check (which returns what is
// wrong with it, or "").
// The file is rewritten in dir, the fuzz target's directory, rather than in
// a fresh one per input: creating directories would dominate the run.
func fuzzRead(t *testing.T, dir, reader, name string, data []byte, opts ReadOptions, check func(cols [][]byte) string) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{false, true} {
		opts.SkipBad = skip
		r, err := Open(reader+":"+p, opts)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("open: %v is not a *ParseError", err)
			}
			continue
		}
		var rec Record
		for {
			err := r.Next(&rec)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("%v is not a *ParseError", err)
				}
				if skip && pe.Line > 0 {
					t.Fatalf("skipping bad rows, a row error came back: %v", err)
				}
				break
			}
			if msg := check(rec.Cols); msg != "" {
				t.Fatalf("line %d: record %q accepted: %s", rec.Line, rec.Cols, msg)
			}
		}
		r.Close()
	}
}

func allUTF8(cols [][]byte) string {
	for i, c := range cols {
		if !utf8.Valid(c) {
			return "column " + strconv.Itoa(i+1) + " is not UTF-8"
		}
	}
	return ""
}

func FuzzCriteo(f *testing.F) {
	good := criteoLine("1", repeat("3", 13), repeat("68fd1e64", 26))
	f.Add([]byte(good + "\n"))
	f.Add([]byte(strings.Join(CriteoColumns, ",") + "\n" + strings.ReplaceAll(good, "\t", ",") + "\n"))
	f.Add([]byte(criteoLine("0", repeat("", 13), repeat("", 26)) + "\r\n" + good))
	f.Add([]byte(criteoLine("2", repeat("-1.5e3", 13), repeat("\xff", 26))))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "criteo", "day.txt", data, ReadOptions{MaxLineBytes: 512}, func(cols [][]byte) string {
			if len(cols) != 40 {
				return "not 40 columns"
			}
			if l := string(cols[0]); l != "0" && l != "1" {
				return "label not 0/1"
			}
			for _, c := range cols[1:14] {
				if len(c) > 0 && !finiteNumber(c) {
					return "integer column not numeric"
				}
			}
			return allUTF8(cols)
		})
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b,c\n1,\"x, \"\"y\"\"\",3\n4,\"multi\n\nline\",\n"), false)
	f.Add([]byte("a,b\n\"unterminated\n1,2\n"), false)
	f.Add([]byte("39, State-gov, <=50K\n50, \"Self\" , >50K\n"), true)
	f.Add([]byte("a,a\n1,2\n"), false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, headerless bool) {
		opts := ReadOptions{MaxLineBytes: 256}
		if headerless {
			opts.Columns, opts.TrimSpace = []string{"x", "y", "z"}, true
		}
		var columns int
		p := filepath.Join(dir, "h.csv")
		os.WriteFile(p, data, 0o644)
		if r, err := OpenCSV(p, opts); err == nil {
			columns = len(r.Columns())
			r.Close()
		}
		fuzzRead(t, dir, "csv", "f.csv", data, opts, func(cols [][]byte) string {
			if len(cols) != columns {
				return "column count differs from the header's"
			}
			return allUTF8(cols)
		})
	})
}

func FuzzLibFM(f *testing.F) {
	f.Add([]byte("-1 204:1 4798:1\n1 7:0.5\n"), false)
	f.Add([]byte("1 0:3:1 2:17:0.25\n"), true)
	f.Add([]byte("1 4:inf 5\n \n"), false)
	f.Add([]byte("1 x:3:1\n"), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, ffm bool) {
		reader := "libfm"
		if ffm {
			reader = "libffm"
		}
		fuzzRead(t, dir, reader, "f.txt", data, ReadOptions{MaxLineBytes: 256}, func(cols [][]byte) string {
			if len(cols) == 0 || !finiteNumber(cols[0]) {
				return "label not numeric"
			}
			for _, tok := range cols[1:] {
				parts := bytes.Split(tok, []byte(":"))
				if want := 2 + btoi(ffm); len(parts) != want {
					return "token with the wrong number of parts"
				}
				for _, id := range parts[:len(parts)-1] {
					if v, ok := parseInt(id); !ok || v < 0 {
						return "index or field not a non-negative integer"
					}
				}
				if !finiteNumber(parts[len(parts)-1]) {
					return "value not finite"
				}
			}
			return ""
		})
	})
}

// isID reports whether b is a non-negative decimal integer.
func isID(b []byte) bool {
	v, ok := parseInt(b)
	return ok && v >= 0 && b[0] != '-'
}

func FuzzSeq(f *testing.F) {
	f.Add([]byte("1 6393\n1 13504\n2 5 6\n"))
	f.Add([]byte("0 148 2800\n1 279\n\n"))
	f.Add([]byte("1\n2 x\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "seq", "s.txt", data, ReadOptions{MaxLineBytes: 128}, func(cols [][]byte) string {
			if len(cols) != 2 || !isID(cols[0]) {
				return "user not an id"
			}
			for _, it := range bytes.Split(cols[1], []byte(" ")) {
				if !isID(it) {
					return "item not an id"
				}
			}
			return ""
		})
	})
}

func FuzzNCFNegative(f *testing.F) {
	f.Add([]byte("(0,40)\t11\t526\r\n(1,7)\t3\n"))
	f.Add([]byte("(0,40)\t11\t\t3\n(a,b)\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "ncf-negative", "x.negative", data, ReadOptions{MaxLineBytes: 128}, func(cols [][]byte) string {
			if len(cols) != 3 || !isID(cols[0]) || !isID(cols[1]) {
				return "pair not two ids"
			}
			if len(cols[2]) > 0 {
				for _, it := range bytes.Split(cols[2], []byte("\t")) {
					if !isID(it) {
						return "negative not an id"
					}
				}
			}
			return ""
		})
	})
}

func FuzzMovieLens(f *testing.F) {
	f.Add([]byte("543|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|1"+strings.Repeat("|0", 18)+"\n"), "u.item")
	f.Add([]byte("196\t242\t3\t881250949\n"), "u.data")
	f.Add([]byte("1::1193::5::978300760\n"), "ratings.dat")
	f.Add([]byte("1|24|M|technician|85711\n"), "u.user")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		switch name {
		case "u.item", "u.data", "ratings.dat", "u.user", "users.dat", "movies.dat":
		default:
			return
		}
		fuzzRead(t, dir, "movielens", name, data, ReadOptions{MaxLineBytes: 256}, func(cols [][]byte) string {
			if !isID(cols[0]) {
				return "first column not an id"
			}
			return allUTF8(cols)
		})
	})
}

package data

import (
	"bytes"
	"compress/gzip"
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
// without skipping bad rows, and checks the invariants of every reader
// (see checkReader); check returns what is wrong with a record, or "".
// The file is rewritten in dir, the fuzz target's directory, rather than in
// a fresh one per input: creating directories would dominate the run.
func fuzzRead(t *testing.T, dir, reader, name string, data []byte, opts ReadOptions, check func(cols [][]byte) string) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(path string, o ReadOptions) (Reader, error) { return Open(reader+":"+path, o) }
	checkReader(t, dir, p, textLines(data), open, opts, check)
}

// textLines is the number of lines in a text file's content, gunzipped
// first when it is gzip (as much of it as decompresses, at most 16 MiB).
func textLines(data []byte) int {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			data, _ = io.ReadAll(io.LimitReader(zr, 16<<20))
		}
	}
	return bytes.Count(data, []byte{'\n'}) + 1
}

// checkReader opens path with open, with and without SkipBad, reads it to
// the end and checks what every reader promises:
//   - no panic;
//   - every error is located: a *ParseError or a *ReadError naming a file
//     in dir and a line no further than the file's lines (0 for the file
//     as a whole);
//   - skipping bad rows, no row error comes back, and the reader ends:
//     at most lines+2 calls to Next, however many rows it skips;
//   - a *ReadError is sticky: the next call returns it again; io.EOF too;
//   - records lie in path, on increasing lines, with the declared number
//     of columns (sparse readers aside), and pass check;
//   - nothing is skipped without SkipBad.
func checkReader(t *testing.T, dir, path string, lines int, open func(string, ReadOptions) (Reader, error), opts ReadOptions, check func(cols [][]byte) string) {
	located := func(err error) {
		t.Helper()
		var pe *ParseError
		var re *ReadError
		switch {
		case errors.As(err, &pe):
			if filepath.Dir(pe.File) != dir || pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error %q located at %s:%d, outside the %d lines of a file in %s", err, pe.File, pe.Line, lines, dir)
			}
		case errors.As(err, &re):
			if filepath.Dir(re.File) != dir || re.Line < 1 || re.Line > lines+1 {
				t.Fatalf("read error %q located at %s:%d, outside the %d lines of a file in %s", err, re.File, re.Line, lines, dir)
			}
		default:
			t.Fatalf("%v (%T) is neither a *ParseError nor a *ReadError", err, err)
		}
	}
	for _, skip := range []bool{false, true} {
		opts.SkipBad = skip
		r, err := open(path, opts)
		if err != nil {
			located(err)
			continue
		}
		_, sparse := r.(SparseSource)
		ncols := len(r.Columns())
		var rec Record
		prev := 0
		for calls := 1; ; calls++ {
			if calls > lines+2 {
				t.Fatalf("skip=%v: %d calls to Next on %d lines and no end: the reader loops", skip, calls, lines)
			}
			err := r.Next(&rec)
			if errors.Is(err, io.EOF) {
				if err := r.Next(&rec); !errors.Is(err, io.EOF) {
					t.Fatalf("after io.EOF, Next returned %v", err)
				}
				break
			}
			if err != nil {
				located(err)
				var pe *ParseError
				if skip && errors.As(err, &pe) && pe.Line > 0 {
					t.Fatalf("skipping bad rows, a row error came back: %v", err)
				}
				if re := (*ReadError)(nil); errors.As(err, &re) {
					if err2 := r.Next(&rec); err2 != err {
						t.Fatalf("after the read error %v, Next returned %v", err, err2)
					}
				}
				break
			}
			if rec.File != path || rec.Line <= prev || rec.Line > lines {
				t.Fatalf("record located at %s:%d after line %d, want a later line of the %d of %s", rec.File, rec.Line, prev, lines, path)
			}
			prev = rec.Line
			if !sparse && len(rec.Cols) != ncols {
				t.Fatalf("line %d: %d columns, the reader declares %d", rec.Line, len(rec.Cols), ncols)
			}
			if msg := check(rec.Cols); msg != "" {
				t.Fatalf("line %d: record %q accepted: %s", rec.Line, rec.Cols, msg)
			}
		}
		if !skip && r.Skipped() != 0 {
			t.Fatalf("%d rows skipped without SkipBad", r.Skipped())
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
	// Unlabeled (a test file), and mixed.
	unlabeled := strings.TrimPrefix(good, "1\t")
	f.Add([]byte(unlabeled + "\n" + unlabeled + "\n" + good + "\n"))
	f.Add([]byte(strings.Join(CriteoColumns[1:], "\t") + "\n" + unlabeled + "\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, dir, "criteo", "day.txt", data, ReadOptions{MaxLineBytes: 512}, func(cols [][]byte) string {
			ints := cols[:min(13, len(cols))]
			switch len(cols) {
			case 40:
				if l := string(cols[0]); l != "0" && l != "1" {
					return "label not 0/1"
				}
				ints = cols[1:14]
			case 39: // no label
			default:
				return "not 40 (or 39 unlabeled) columns"
			}
			for _, c := range ints {
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

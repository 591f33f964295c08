package data

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readAllBlocks reads r to its end through blocks of n records parsed on
// this goroutine, as a parallel reader does, and returns the records and
// lines, the error that ended the reading, and the rows skipped.
func readAllBlocks(r BlockReader, n int) (rows [][]string, lines []int, skipped int64, err error) {
	var blk Block
	for {
		var readErr error
		blk, readErr = r.ReadBlock(blk, n)
		if blk.Len() > n {
			return rows, lines, skipped, fmt.Errorf("a block of %d records, asked for at most %d", blk.Len(), n)
		}
		s, err := blk.Parse(func(rec *Record) error {
			row := make([]string, len(rec.Cols))
			for i, c := range rec.Cols {
				row[i] = string(c)
			}
			rows, lines = append(rows, row), append(lines, rec.Line)
			if rec.File == "" {
				return errors.New("a record without its file")
			}
			return nil
		})
		skipped += s
		if err != nil {
			return rows, lines, skipped + r.Skipped(), err
		}
		if errors.Is(readErr, io.EOF) {
			return rows, lines, skipped + r.Skipped(), nil
		}
		if readErr != nil {
			return rows, lines, skipped + r.Skipped(), readErr
		}
	}
}

// Reading through blocks of any size gives exactly the records, lines,
// errors and skipped rows that Next gives: blank and CRLF lines, an
// over-long line, malformed lines (skipped or fatal), several files,
// gzip, and a truncated gzip stream.
func TestBlocksReadAsNext(t *testing.T) {
	dir := t.TempDir()
	good := criteoRows(0, 40)
	lines := strings.Split(strings.TrimSuffix(good, "\n"), "\n")
	messy := strings.Join(lines[:5], "\n") + "\n\n" + lines[5] + "\r\n" +
		strings.Repeat("7", 500) + "\n" + // over-long under MaxLineBytes 400
		lines[6] + "\n" + "1\t2\t3\n" + // too few fields
		strings.Join(lines[7:20], "\n") + "\n" + strings.Replace(lines[20], "\t20\t", "\tx\t", 1) + "\n" + // not an integer
		strings.Join(lines[21:], "\n") // no final newline
	trunc := writeIn(t, dir, "trunc.gz", good, true)
	raw := readFile(t, trunc)
	writeIn(t, dir, "trunc.gz", string(raw[:len(raw)*2/3]), false)
	// Avazu: a header, a line one field short (the label-less width: bad
	// after a labelled header), a bad label.
	tail := strings.Repeat(",a", len(AvazuColumns)-3)
	avazu := strings.Join(AvazuColumns, ",") + "\n1,0,14102100" + tail + "\n2,14102100" + tail +
		"\n3,1,14102101" + tail + "\n4,7,14102101" + tail + "\n5,1,14102102" + tail + "\n"
	// CSV: quoted fields with the delimiter, "" and line breaks (a blank
	// line inside quotes is data), a quote inside an unquoted field, a bad
	// field after a closing quote, invalid UTF-8, a wrong width, a trailing
	// empty field, a record over-long inside its quotes, and a quoted
	// field left open at the end of the file.
	csv := "a,b,c\n1,\"x,y\",3\n\n2,\"multi\nline\n\nfield\",4\n3,bad\"q,5\n4,\"ok\"x,6\n" +
		"5,\xff\xfe,7\n6,7\n7,8,\n8,\"" + strings.Repeat("long\n", 100) + "\",9\n9,\"he said \"\"hi\"\"\",10\n" +
		"10,plain,11\r\n11,\"open,12\n12,after,13\n"
	cases := map[string]string{
		"csv":     "csv:" + writeIn(t, dir, "q.csv", csv, false),
		"csv-end": "csv:" + writeIn(t, dir, "q2.csv", strings.TrimSuffix(csv, "11,\"open,12\n12,after,13\n"), true),
		"tsv":     "tsv:" + writeIn(t, dir, "t.tsv", "a\tb\n1\t\"2\n\n3\t4\t5\n6\t\xff\n7\t8\n", false),
		"plain":   "criteo:" + writeIn(t, dir, "good.tsv", good, false),
		"messy":   "criteo:" + writeIn(t, dir, "messy.tsv", messy, false),
		"gzip":    "criteo:" + writeIn(t, dir, "messy.gz", messy, true),
		"files":   "criteo:" + writeIn(t, dir, "a.tsv", messy, false) + "," + writeIn(t, dir, "b.gz", good, true),
		"trunc":   "criteo:" + filepath.Join(dir, "trunc.gz"),
		"avazu":   "avazu:" + writeIn(t, dir, "avazu.csv", avazu, false),
		"header":  "movielens:" + writeIn(t, dir, "u.data", "1\t2\t5\t881250949\n\n1\t3\t4\t881250950\n2\t3\tx\t881250950\n", false),
	}
	for name, spec := range cases {
		for _, skip := range []bool{false, true} {
			opts := ReadOptions{SkipBad: skip, MaxLineBytes: 400}
			open := func() Reader {
				r, err := Open(spec, opts)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				t.Cleanup(func() { r.Close() })
				return r
			}
			seq := open()
			wantRows, wantLines, wantErr := readAll(seq)
			wantSkipped := seq.Skipped()
			for _, n := range []int{1, 3, 1000} {
				br, ok := open().(BlockReader)
				if !ok {
					t.Fatalf("%s: the reader is no BlockReader", name)
				}
				rows, lines, skipped, err := readAllBlocks(br, n)
				what := fmt.Sprintf("%s (skip %v, blocks of %d)", name, skip, n)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Errorf("%s: error %v, Next gives %v", what, err, wantErr)
				}
				if !reflect.DeepEqual(rows, wantRows) || !reflect.DeepEqual(lines, wantLines) {
					t.Errorf("%s: %d records at lines %v, Next gives %d at %v", what, len(rows), lines, len(wantRows), wantLines)
				}
				if skipped != wantSkipped {
					t.Errorf("%s: %d skipped, Next skips %d", what, skipped, wantSkipped)
				}
			}
			// The case checks something: records, and errors or skips
			// where the data has them.
			if len(wantRows) == 0 {
				t.Errorf("%s: Next read no record", name)
			}
			// (The over-long record's lines after the limit read as
			// records of their own, malformed too.)
			if name == "csv" && (skip && wantSkipped < 7 || !skip && wantErr == nil) {
				t.Errorf("csv, skip %v: %d skipped, error %v; want 7 or more skipped, or an error", skip, wantSkipped, wantErr)
			}
			if name == "messy" && (skip && wantSkipped != 3 || !skip && wantErr == nil) {
				t.Errorf("messy, skip %v: %d skipped, error %v; want 3 skipped or an error", skip, wantSkipped, wantErr)
			}
		}
	}
}

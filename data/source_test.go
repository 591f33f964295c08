package data

import (
	"slices"
	"strings"
	"testing"
)

func TestLineLimits(t *testing.T) {
	// MaxLineBytes 10: "0123456789" fits (with \n or \r\n), 11 bytes do not.
	content := "0123456789\n0123456789\r\n01234567890\nabc"
	p := writeTemp(t, "lines.txt", content, false)
	opts := ReadOptions{MaxLineBytes: 10, Columns: []string{"x"}}
	wantParseError(t, firstError(t, "tsv", p, opts), p, 3, 0, "line longer than 10 bytes")

	opts.SkipBad = true
	r, err := Open("tsv:"+p, opts)
	if err != nil {
		t.Fatal(err)
	}
	rows, lines, err := readAll(r)
	if err != nil || r.Skipped() != 1 || !slices.Equal(lines, []int{1, 2, 4}) || rows[1][0] != "0123456789" || rows[2][0] != "abc" {
		t.Fatalf("skipping: rows %q lines %v skipped %d err %v", rows, lines, r.Skipped(), err)
	}
	// An over-long last line without a newline, and a long line far past
	// the buffer.
	for _, c := range []string{"ab\n0123456789A", "ab\n" + strings.Repeat("x", 100) + "\ncd\n"} {
		p := writeTemp(t, "lines.txt", c, false)
		wantParseError(t, firstError(t, "tsv", p, ReadOptions{MaxLineBytes: 10, Columns: []string{"x"}}), p, 2, 0, "line longer")
	}
}

func TestEmptyAndBlank(t *testing.T) {
	for _, reader := range []string{"criteo", "avazu", "libfm", "libffm", "movielens", "ncf-rating", "ncf-negative", "seq", "csv", "tsv"} {
		for _, content := range []string{"", "\n\n", "\r\n"} {
			p := writeTemp(t, "empty", content, false)
			wantParseError(t, firstError(t, reader, p, ReadOptions{}), p, 0, 0, "empty file")
		}
	}
	// Blank lines carry no record; CRLF ends and a missing final newline
	// are fine; line numbers count every line.
	p := writeTemp(t, "u.data", "1\t2\t3\t4\r\n\n5\t6\t7\t8", false)
	r, err := OpenMovieLens(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, lines, err := readAll(r)
	if err != nil || !slices.Equal(lines, []int{1, 3}) || rows[0][3] != "4" || rows[1][3] != "8" {
		t.Fatalf("rows %q lines %v err %v", rows, lines, err)
	}
}

func TestGzip(t *testing.T) {
	// Detected by content: a gzip file named .csv and a plain file named
	// .gz both read right.
	content := "a,b\n1,2\n3,4\n"
	for _, c := range []struct {
		name string
		gz   bool
	}{{"x.csv", true}, {"x.csv.gz", false}, {"x.csv.gz", true}} {
		r, err := OpenCSV(writeTemp(t, c.name, content, c.gz), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := readAll(r)
		if err != nil || len(rows) != 2 || rows[1][1] != "4" {
			t.Fatalf("%s gz=%v: rows %q err %v", c.name, c.gz, rows, err)
		}
	}
	// A truncated gzip stream is an error, not a silently short file.
	p := writeTemp(t, "t.gz", strings.Repeat("1,2\n", 1000), true)
	data := readFile(t, p)
	p = writeTemp(t, "t.gz", string(data[:len(data)/2]), false)
	r, err := OpenTSV(p, ReadOptions{Columns: []string{"a"}})
	if err == nil {
		_, _, err = readAll(r)
	}
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("truncated gzip: err %v, want a gzip error", err)
	}
}

func TestAllRowsSkipped(t *testing.T) {
	// Every line bad and skipped: the reader opens and ends at once, having
	// counted them; a file with no lines at all is still "empty".
	p := writeTemp(t, "u.data", strings.Repeat("x", 40)+"\n1\t2\n", false)
	r, err := Open("movielens:"+p, ReadOptions{SkipBad: true, MaxLineBytes: 20})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(r)
	if err != nil || len(rows) != 0 || r.Skipped() != 2 {
		t.Fatalf("rows %q, %d skipped, err %v; want none, 2 skipped", rows, r.Skipped(), err)
	}
}

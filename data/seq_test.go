package data

import (
	"slices"
	"strings"
	"testing"
)

func TestSeqReader(t *testing.T) {
	// One interaction per line grouped by user, one user per line, and a
	// mix: runs of the same user merge, in file order.
	content := "1 6393\n1 13504\n1 14087\n2 5\n3 7 8 9\n3 10\n1 2\n"
	r, err := OpenSeq(writeTemp(t, "s.txt", content, false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, lines, err := readAll(r)
	want := [][]string{{"1", "6393 13504 14087"}, {"2", "5"}, {"3", "7 8 9 10"}, {"1", "2"}}
	if err != nil || !slices.EqualFunc(rows, want, slices.Equal) || !slices.Equal(lines, []int{1, 4, 5, 7}) {
		t.Fatalf("rows %q at %v err %v, want %q at [1 4 5 7]", rows, lines, err, want)
	}
}

func TestSeqMalformed(t *testing.T) {
	cases := []struct {
		line string
		col  int
		msg  string
	}{
		{"2", 2, "at least one item id"},
		{"2 x", 2, `expected an integer, found "x"`},
		{"u 3", 1, `expected an integer, found "u"`},
		{"2 3 -4", 3, "non-negative integer id"},
	}
	for _, c := range cases {
		p := writeTemp(t, "s.txt", "1 1\n1 2\n"+c.line+"\n5 6\n", false)
		wantParseError(t, firstError(t, "seq", p, ReadOptions{}), p, 3, c.col, c.msg)
		r, _ := OpenSeq(p, ReadOptions{SkipBad: true})
		rows, _, err := readAll(r)
		if err != nil || len(rows) != 2 || rows[0][1] != "1 2" || rows[1][1] != "6" || r.Skipped() != 1 {
			t.Fatalf("%q skipping: rows %q, %d skipped, err %v", c.line, rows, r.Skipped(), err)
		}
	}
	// A merged sequence is bounded like a line.
	p := writeTemp(t, "s.txt", strings.Repeat("1 12345\n", 3), false)
	wantParseError(t, firstError(t, "seq", p, ReadOptions{MaxLineBytes: 12}), p, 3, 2, "sequence is longer than 12 bytes")
}

func TestOpenSpecs(t *testing.T) {
	p := writeTemp(t, "u.data", "1\t2\t3\t4\n", false)
	r, err := Open("movielens:"+p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, spec := range []string{"criteo2:" + p, "nocolon", "csv:"} {
		_, err := Open(spec, ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), "criteo, csv, libffm") {
			t.Errorf("Open(%q): err %v, want one listing the readers", spec, err)
		}
	}
	if _, err := Open("csv:/no/such/file.csv", ReadOptions{}); err == nil {
		t.Error("a missing file opened")
	}
	names := ReaderNames()
	for _, want := range []string{"avazu", "criteo", "csv", "libffm", "libfm", "movielens", "ncf-negative", "ncf-rating", "parquet", "seq", "tsv"} {
		if !slices.Contains(names, want) {
			t.Errorf("reader %q missing from %q", want, names)
		}
	}
}

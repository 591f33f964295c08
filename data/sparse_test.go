package data

import (
	"slices"
	"testing"
)

func TestLibFMReader(t *testing.T) {
	r, err := OpenLibFM(writeTemp(t, "f.libfm", "-1 204:1 4798:0.5\n1\t7:1e-3  9:2\n0\n", false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Sparse() || r.FFM() || !slices.Equal(r.Columns(), []string{"label"}) {
		t.Fatal("a libFM reader must be sparse, not FFM, with columns [label]")
	}
	rows, _, err := readAll(r)
	want := [][]string{{"-1", "204:1", "4798:0.5"}, {"1", "7:1e-3", "9:2"}, {"0"}}
	if err != nil || !slices.EqualFunc(rows, want, slices.Equal) {
		t.Fatalf("rows %q err %v, want %q", rows, err, want)
	}
	if s, ok := Reader(r).(SparseSource); !ok || !s.Sparse() {
		t.Fatal("a libFM reader is not a SparseSource")
	}
	r, err = OpenLibFFM(writeTemp(t, "f.ffm", "1 0:3:1 2:17:0.25\n", false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err = readAll(r)
	if err != nil || !r.FFM() || !slices.Equal(rows[0], []string{"1", "0:3:1", "2:17:0.25"}) {
		t.Fatalf("ffm rows %q err %v", rows, err)
	}
}

func TestLibFMMalformed(t *testing.T) {
	cases := []struct {
		reader, line string
		col          int
		msg          string
	}{
		{"libfm", "1 3:1 5", 3, "expected index:value"},
		{"libfm", "1 a:1", 2, "non-negative integer index"},
		{"libfm", "1 -4:1", 2, "non-negative integer index"},
		{"libfm", "1 4:x", 2, "finite value"},
		{"libfm", "1 4:inf", 2, "finite value"},
		{"libfm", "1 4:1e999", 2, "finite value"},
		{"libfm", "1 4:", 2, "finite value"},
		{"libfm", "yes 4:1", 1, "expected a numeric label"},
		{"libfm", "   ", 1, "missing label"},
		{"libfm", "1 4:1 \xff:1", 3, "non-negative integer index"},
		{"libffm", "1 3:1", 2, "expected field:index:value"},
		{"libffm", "1 x:3:1", 2, "non-negative integer field"},
		{"libffm", "1 0:x:1", 2, "non-negative integer index"},
	}
	for _, c := range cases {
		good := "1 1:1"
		if c.reader == "libffm" {
			good = "1 0:1:1"
		}
		p := writeTemp(t, "bad", good+"\n"+c.line+"\n"+good+"\n", false)
		wantParseError(t, firstError(t, c.reader, p, ReadOptions{}), p, 2, c.col, c.msg)
		r, _ := Open(c.reader+":"+p, ReadOptions{SkipBad: true})
		rows, lines, err := readAll(r)
		if err != nil || len(rows) != 2 || r.Skipped() != 1 || !slices.Equal(lines, []int{1, 3}) {
			t.Fatalf("%q skipping: %d rows at %v, %d skipped, err %v", c.line, len(rows), lines, r.Skipped(), err)
		}
	}
}

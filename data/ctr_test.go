package data

import (
	"slices"
	"strings"
	"testing"
)

func TestCriteoReader(t *testing.T) {
	ints := []string{"1", "", "-2", "5", "0", "", "3", "7", "", "12", "1", "", "4"}
	cats := repeat("68fd1e64", 26)
	cats[3] = ""
	good := criteoLine("1", ints, cats)
	for _, gz := range []bool{false, true} {
		// gzip is detected by its magic bytes, whatever the name.
		p := writeTemp(t, "day.txt", good+"\n"+criteoLine("0", repeat("", 13), repeat("a", 26))+"\n", gz)
		r, err := OpenCriteo(p, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows, lines, err := readAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || !slices.Equal(lines, []int{1, 2}) {
			t.Fatalf("gz=%v: %d rows at lines %v, want 2 at [1 2]", gz, len(rows), lines)
		}
		if rows[0][0] != "1" || rows[0][3] != "-2" || rows[0][2] != "" || rows[0][17] != "" || rows[0][39] != "68fd1e64" || len(rows[0]) != 40 {
			t.Fatalf("gz=%v: row 1 = %q", gz, rows[0])
		}
	}
	// The DeepCTR layout: a header and commas, counts written "260.0".
	csv := strings.Join(CriteoColumns, ",") + "\n" + strings.ReplaceAll(criteoLine("0", repeat("260.0", 13), cats), "\t", ",") + "\n"
	r, err := OpenCriteo(writeTemp(t, "criteo_sample.txt", csv, false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, lines, err := readAll(r)
	if err != nil || len(rows) != 1 || lines[0] != 2 || rows[0][1] != "260.0" {
		t.Fatalf("comma layout: rows %q lines %v err %v", rows, lines, err)
	}
	if !slices.Equal(r.Columns(), CriteoColumns) {
		t.Fatal("columns are not label, I1..I13, C1..C26")
	}
}

func TestCriteoMalformed(t *testing.T) {
	ints := repeat("1", 13)
	cats := repeat("abc", 26)
	good := criteoLine("0", ints, cats)
	badInt := slices.Clone(ints)
	badInt[3] = "abc" // I4, column 5
	badCat := slices.Clone(cats)
	badCat[0] = "a\xffb" // C1, column 15
	cases := []struct {
		name, line string
		col        int
		msg        string
	}{
		{"too few fields", criteoLine("0", ints, cats[:25]), 40, "expected 40 fields, found 39"},
		{"too many fields", good + "\tx", 41, "expected 40 fields, found 41"},
		{"non-numeric integer", criteoLine("0", badInt, cats), 5, `expected a finite number, found "abc"`},
		{"label not 0/1", criteoLine("2", ints, cats), 1, `expected a label 0 or 1, found "2"`},
		{"missing label", criteoLine("", ints, cats), 1, "missing label"},
		{"invalid UTF-8", criteoLine("0", ints, badCat), 15, "expected UTF-8 text"},
		{"infinite number", criteoLine("0", append([]string{"1e999"}, ints[1:]...), cats), 2, "expected a finite number"},
	}
	for _, c := range cases {
		p := writeTemp(t, "bad.tsv", good+"\n"+good+"\n"+c.line+"\n"+good+"\n", false)
		wantParseError(t, firstError(t, "criteo", p, ReadOptions{}), p, 3, c.col, c.msg)
		// Skipping: the three good rows remain and one is counted.
		r, err := Open("criteo:"+p, ReadOptions{SkipBad: true})
		if err != nil {
			t.Fatal(err)
		}
		rows, lines, err := readAll(r)
		if err != nil || len(rows) != 3 || r.Skipped() != 1 || !slices.Equal(lines, []int{1, 2, 4}) {
			t.Fatalf("%s, skipping: %d rows at %v, %d skipped, err %v; want 3 at [1 2 4], 1 skipped", c.name, len(rows), lines, r.Skipped(), err)
		}
		r.Close()
	}
	// The error names file, line, column and field.
	p := writeTemp(t, "x.tsv", criteoLine("0", badInt, cats)+"\n", false)
	if got := firstError(t, "criteo", p, ReadOptions{}).Error(); got != p+`:1: column 5 (I4): expected a finite number, found "abc"` {
		t.Fatalf("message %q", got)
	}
}

func TestAvazuReader(t *testing.T) {
	header := strings.Join(AvazuColumns, ",")
	row := "1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79"
	for _, content := range []string{header + "\n" + row + "\n", row + "\n"} {
		r, err := OpenAvazu(writeTemp(t, "a.csv", content, false), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := readAll(r)
		if err != nil || len(rows) != 1 || rows[0][1] != "0" || rows[0][0] != "1000009418151094273" || rows[0][23] != "79" {
			t.Fatalf("rows %q err %v", rows, err)
		}
	}
	p := writeTemp(t, "a.csv", header+"\n"+strings.Replace(row, ",0,14102100", ",yes,14102100", 1)+"\n", false)
	wantParseError(t, firstError(t, "avazu", p, ReadOptions{}), p, 2, 2, `expected a label 0 or 1, found "yes"`)
	p = writeTemp(t, "a.csv", header+"\n", false)
	wantParseError(t, firstError(t, "avazu", p, ReadOptions{}), p, 0, 0, "empty file")
}

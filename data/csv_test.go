package data

import (
	"slices"
	"testing"
)

func TestCSVReader(t *testing.T) {
	content := "id,name,note\n" +
		"1,plain,\n" + // trailing empty field
		"2,\"a, quoted\",\"say \"\"hi\"\"\"\n" +
		"3,\"two\n\nlines\",x\n" + // a quoted field over three lines, one blank
		"4,,\"\"\n"
	r, err := OpenCSV(writeTemp(t, "c.csv", content, false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Columns(), []string{"id", "name", "note"}) {
		t.Fatalf("columns %q", r.Columns())
	}
	rows, lines, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"1", "plain", ""}, {"2", "a, quoted", `say "hi"`}, {"3", "two\n\nlines", "x"}, {"4", "", ""}}
	if !slices.EqualFunc(rows, want, slices.Equal) || !slices.Equal(lines, []int{2, 3, 4, 7}) {
		t.Fatalf("rows %q at %v, want %q at [2 3 4 7]", rows, lines, want)
	}
}

func TestTSVAndOptions(t *testing.T) {
	// TSV has no quoting: quotes are data.
	r, err := OpenTSV(writeTemp(t, "t.tsv", "a\tb\n\"x\ty\"\n", false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(r)
	if err != nil || !slices.Equal(rows[0], []string{`"x`, `y"`}) {
		t.Fatalf("rows %q err %v", rows, err)
	}
	// A headerless file with names given, fields padded by ", ".
	r, err = OpenCSV(writeTemp(t, "adult", "39, State-gov, <=50K\n50, \"Self, emp\" , >50K\n", false),
		ReadOptions{Columns: []string{"age", "workclass", "income"}, TrimSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err = readAll(r)
	if err != nil || !slices.Equal(rows[0], []string{"39", "State-gov", "<=50K"}) || !slices.Equal(rows[1], []string{"50", "Self, emp", ">50K"}) {
		t.Fatalf("rows %q err %v", rows, err)
	}
}

func TestCSVMalformed(t *testing.T) {
	cases := []struct {
		name, content string
		line, col     int
		msg           string
	}{
		{"too few fields", "a,b,c\n1,2,3\n4,5\n", 3, 3, "expected 3 fields, found 2"},
		{"too many fields", "a,b,c\n1,2,3,4\n", 2, 4, "expected 3 fields, found 4"},
		{"quote in unquoted field", "a,b\n1,x\"y\n", 2, 2, "a quote inside an unquoted field"},
		{"text after closing quote", "a,b\n\"1\"x,2\n", 2, 1, "after a closing quote"},
		{"unterminated quote", "a,b\n1,\"open\n2,3\n", 2, 2, "expected a closing quote"},
		{"invalid UTF-8", "a,b\n1,\xc3\x28\n", 2, 2, "expected UTF-8 text"},
		{"duplicate name", "a,b,a\n1,2,3\n", 1, 3, `column name "a" repeats column 1`},
		{"empty name", "a,,c\n1,2,3\n", 1, 2, "empty column name"},
	}
	for _, c := range cases {
		p := writeTemp(t, "bad.csv", c.content, false)
		wantParseError(t, firstError(t, "csv", p, ReadOptions{}), p, c.line, c.col, c.msg)
	}
	// Skipping counts the bad records and keeps the good ones.
	p := writeTemp(t, "bad.csv", "a,b\n1,2\n3\n\"x\"y,4\n5,6\n", false)
	r, err := OpenCSV(p, ReadOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, lines, err := readAll(r)
	if err != nil || len(rows) != 2 || r.Skipped() != 2 || !slices.Equal(lines, []int{2, 5}) {
		t.Fatalf("rows %q at %v, %d skipped, err %v", rows, lines, r.Skipped(), err)
	}
}

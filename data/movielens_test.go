package data

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMovieLensLayouts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := writeTemp(t, name, content, false)
		q := filepath.Join(dir, name)
		if err := renameFile(p, q); err != nil {
			t.Fatal(err)
		}
		return q
	}
	genres := strings.Repeat("|0", 18)
	cases := []struct {
		path string
		cols []string
		row  []string
	}{
		{write("u.data", "196\t242\t3\t881250949\n"), MovieLensRatingColumns, []string{"196", "242", "3", "881250949"}},
		{write("ratings.dat", "1::1193::5::978300760\n"), MovieLensRatingColumns, []string{"1", "1193", "5", "978300760"}},
		{write("u.user", "1|24|M|technician|85711\n"), MovieLensUserColumns, []string{"1", "24", "M", "technician", "85711"}},
		{write("users.dat", "1::F::1::10::48067\n"), MovieLens1MUserColumns, []string{"1", "F", "1", "10", "48067"}},
		// Latin-1 é (0xE9) becomes UTF-8 "é".
		{write("movies.dat", "73::Mis\xe9rables, Les (1995)::Drama|War\n"), MovieLens1MMovieColumns, []string{"73", "Misérables, Les (1995)", "Drama|War"}},
		{write("u.item", "543|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|1"+genres+"\n"), MovieLensItemColumns,
			append([]string{"543", "Misérables, Les (1995)", "01-Jan-1995", "", "http://x", "1"}, repeat("0", 18)...)},
	}
	for _, c := range cases {
		r, err := OpenMovieLens(c.path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := readAll(r)
		if err != nil || !slices.Equal(r.Columns(), c.cols) || len(rows) != 1 || !slices.Equal(rows[0], c.row) {
			t.Fatalf("%s: columns %q rows %q err %v, want %q", filepath.Base(c.path), r.Columns(), rows, err, c.row)
		}
	}
	bad := []struct {
		name, content string
		col           int
		msg           string
	}{
		{"u.data", "196\t242\tgood\t881250949\n", 3, "expected a finite number"},
		{"u.data", "-1\t242\t3\t881250949\n", 1, "non-negative integer id"},
		{"u.data", "196\t242\t3\n", 4, "expected 4 fields, found 3"},
		{"u.item", "1|T|d||u|2" + genres + "\n", 6, "expected a flag 0 or 1"},
		{"u.user", "1|24|M|\xfftech|85711\n", 4, "expected UTF-8 text"}, // only u.item and movies.dat are Latin-1
	}
	for _, b := range bad {
		p := write(b.name, b.content)
		wantParseError(t, firstError(t, "movielens", p, ReadOptions{}), p, 1, b.col, b.msg)
	}
}

func TestNCFRating(t *testing.T) {
	r, err := OpenNCFRating(writeTemp(t, "x.rating", "0\t25\t5\t978824330\n1\t3\t4\t978300000\n", false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(r)
	if err != nil || !slices.Equal(r.Columns(), NCFRatingColumns) || len(rows) != 2 {
		t.Fatalf("4 columns: %q %q %v", r.Columns(), rows, err)
	}
	// Without timestamps, the first line sets three columns for the file.
	p := writeTemp(t, "x.rating", "0\t27\t13883\n0\t49\t2120\n1\t3\t4\t978300000\n", false)
	r, err = OpenNCFRating(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Columns(), []string{"user", "item", "rating"}) {
		t.Fatalf("columns %q", r.Columns())
	}
	_, _, err = readAll(r)
	wantParseError(t, err, p, 3, 4, "expected 3 fields, found 4")
}

func TestNCFNegative(t *testing.T) {
	r, err := OpenNCFNegative(writeTemp(t, "x.negative", "(0,40)\t11\t526\r\n(1,7)\t3\n", false), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(r)
	if err != nil || !slices.Equal(rows[0], []string{"0", "40", "11\t526"}) || !slices.Equal(rows[1], []string{"1", "7", "3"}) {
		t.Fatalf("rows %q err %v", rows, err)
	}
	bad := []struct {
		line string
		col  int
		msg  string
	}{
		{"0,40\t11", 1, "expected a test pair (user,item)"},
		{"(0;40)\t11", 1, "expected a test pair"},
		{"(a,40)\t11", 1, "expected an integer"},
		{"(0,40)\t11\tx", 3, `expected an integer, found "x"`},
		{"(0,40)\t11\t\t12", 3, "found an empty value"},
		{"(0,-4)\t11", 1, "non-negative integer id"},
	}
	for _, b := range bad {
		p := writeTemp(t, "x.negative", "(0,1)\t2\n"+b.line+"\n", false)
		wantParseError(t, firstError(t, "ncf-negative", p, ReadOptions{}), p, 2, b.col, b.msg)
	}
}

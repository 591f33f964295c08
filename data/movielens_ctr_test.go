package data

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// itemLine is a u.item line with the flags of the named genres set.
func itemLine(id, title, date string, genres ...string) string {
	f := []string{id, title, date, "", "http://imdb/" + id}
	for _, g := range MovieLensItemColumns[5:] {
		if slices.Contains(genres, g) {
			f = append(f, "1")
		} else {
			f = append(f, "0")
		}
	}
	return strings.Join(f, "|")
}

// mlDir writes a small ML-100K directory: u.user, u.item, and the given
// ratings files.
func mlDir(t *testing.T, users, items string, ratings map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"u.user": users, "u.item": items}
	for k, v := range ratings {
		files[k] = v
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var (
	mlUsers = "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|T8H1N\n4|33|F|none|5\n"
	mlItems = itemLine("1", "Toy Story (1995)", "01-Jan-1995", "Animation", "Children's", "Comedy") + "\n" +
		itemLine("2", "Les Mis\xe9rables", "16-Sep-1998", "Drama") + "\n" + // Latin-1 title
		itemLine("267", "unknown", "", "unknown") + "\n"
)

func TestMovieLensCTR(t *testing.T) {
	dir := mlDir(t, mlUsers, mlItems, map[string]string{
		"u1.base": "1\t1\t5\t874965758\n3\t267\t2\t876893171\n\n2\t2\t4\t878542960\n4\t1\t3\t1\n",
		"u.data":  "2\t1\t1\t874965758\n",
	})
	r := mustOpen(t, "movielens-ctr:"+filepath.Join(dir, "u1.base"), ReadOptions{})
	if !reflect.DeepEqual(r.Columns(), MovieLensCTRColumns) {
		t.Fatalf("columns %q", r.Columns())
	}
	rows, lines, err := readAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		// user item rating timestamp | age gender occupation zip | genres genre year
		{"1", "1", "5", "874965758", "24", "M", "technician", "85", "Animation|Children's|Comedy", "Animation", "1995"},
		{"3", "267", "2", "876893171", "23", "M", "writer", "T8", "unknown", "unknown", ""},
		{"2", "2", "4", "878542960", "53", "F", "other", "94", "Drama", "Drama", "1998"},
		{"4", "1", "3", "1", "33", "F", "none", "5", "Animation|Children's|Comedy", "Animation", "1995"},
	}
	if !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(lines, []int{1, 2, 4, 5}) {
		t.Errorf("rows\n%q\nat lines %v, want\n%q\nat 1, 2, 4, 5", rows, lines, want)
	}
	// A directory reads its u.data.
	r = mustOpen(t, "movielens-ctr:"+dir, ReadOptions{})
	rows, _, err = readAll(r)
	r.Close()
	if err != nil || len(rows) != 1 || rows[0][0] != "2" || rows[0][8] != "Animation|Children's|Comedy" {
		t.Errorf("directory: %q, %v", rows, err)
	}
}

func TestMovieLensCTRErrors(t *testing.T) {
	ratings := "1\t1\t5\t1\n9\t1\t4\t2\n1\t99\t4\t3\n1\t2\tx\t4\n2\t2\t1\t5\n"
	dir := mlDir(t, mlUsers, mlItems, map[string]string{"u1.base": ratings})
	p := filepath.Join(dir, "u1.base")
	wantParseError(t, firstError(t, "movielens-ctr", p, ReadOptions{}), p, 2, 1, "user 9 is not in "+filepath.Join(dir, "u.user"))
	// Under SkipBad unknown users and items, and malformed ratings, are
	// skipped and counted.
	r := mustOpen(t, "movielens-ctr:"+p, ReadOptions{SkipBad: true})
	rows, lines, err := readAll(r)
	r.Close()
	if err != nil || len(rows) != 2 || !reflect.DeepEqual(lines, []int{1, 5}) || r.Skipped() != 3 {
		t.Errorf("SkipBad: rows at %v, %d skipped, %v; want lines 1 and 5, 3 skipped", lines, r.Skipped(), err)
	}
	dir = mlDir(t, mlUsers, mlItems, map[string]string{"u1.base": "1\t99\t4\t3\n"})
	p = filepath.Join(dir, "u1.base")
	wantParseError(t, firstError(t, "movielens-ctr", p, ReadOptions{}), p, 1, 2, "item 99 is not in "+filepath.Join(dir, "u.item"))

	// Side files are read strictly, even under SkipBad, and located.
	for _, c := range []struct {
		name, users, items string
		file               string
		line, col          int
		msg                string
	}{
		{"user twice", mlUsers + "2|20|M|other|1\n", mlItems, "u.user", 5, 1, "user 2 is listed twice (first on line 2)"},
		{"item twice", mlUsers, mlItems + itemLine("1", "again", ""), "u.item", 4, 1, "item 1 is listed twice (first on line 1)"},
		{"bad age", "1|old|M|x|1\n", mlItems, "u.user", 1, 2, "expected an integer"},
		{"bad date", mlUsers, itemLine("5", "t", "1995") + "\n", "u.item", 1, 3, `expected a release date like 01-Jan-1995 (or none), found "1995"`},
		{"bad flag", mlUsers, strings.Replace(itemLine("5", "t", ""), "|0|", "|2|", 1) + "\n", "u.item", 1, 6, "expected a flag 0 or 1"},
	} {
		dir := mlDir(t, c.users, c.items, map[string]string{"u.data": "1\t1\t5\t1\n"})
		_, err := Open("movielens-ctr:"+dir, ReadOptions{SkipBad: true})
		wantParseError(t, err, filepath.Join(dir, c.file), c.line, c.col, c.msg)
		if !strings.HasPrefix(err.Error(), "movielens-ctr: ") {
			t.Errorf("%s: error %q does not name the reader", c.name, err)
		}
	}
	// A side file is not a ratings file; a missing side file is an error.
	if _, err := Open("movielens-ctr:"+filepath.Join(dir, "u.user"), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "is a side file") {
		t.Errorf("u.user as ratings: %v", err)
	}
	os.Remove(filepath.Join(dir, "u.item"))
	if _, err := Open("movielens-ctr:"+p, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "u.item") {
		t.Errorf("without u.item: %v", err)
	}
	if _, err := Open("movielens-ctr:"+filepath.Join(dir, "nope"), ReadOptions{}); err == nil {
		t.Error("a missing ratings file was accepted")
	}
}

func TestReleaseYear(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{{"01-Jan-1995", "1995", true}, {"", "", true}, {"1995", "", false}, {"01-Jan-95", "", false}, {"01-Jan-19x5", "", false}} {
		y, ok := releaseYear([]byte(c.in))
		if string(y) != c.want || ok != c.ok {
			t.Errorf("releaseYear(%q) = %q, %v; want %q, %v", c.in, y, ok, c.want, c.ok)
		}
	}
}

package data

import (
	"reflect"
	"strings"
	"testing"
)

const (
	adultTrainLine = "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K"
	adultMissing   = "90, ?, 77053, HS-grad, 9, Widowed, ?, Not-in-family, White, Female, 0, 4356, 40, ?, >50K"
	adultTestLine  = "25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, Black, Male, 0, 0, 40, United-States, >50K."
)

func TestAdult(t *testing.T) {
	content := "|1x3 Cross validator\n" + adultTrainLine + "\n\n" + adultMissing + "\r\n" +
		strings.ReplaceAll(adultTestLine, ", ", ",") + "\n"
	p := writeTemp(t, "adult.test", content, false)
	r := mustOpen(t, "adult:"+p, ReadOptions{})
	defer r.Close()
	if !reflect.DeepEqual(r.Columns(), AdultColumns) || len(AdultColumns) != 15 || AdultColumns[14] != "income_bracket" {
		t.Fatalf("columns %q", r.Columns())
	}
	rows, lines, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"39", "State-gov", "77516", "Bachelors", "13", "Never-married", "Adm-clerical", "Not-in-family", "White", "Male", "2174", "0", "40", "United-States", "<=50K"},
		// "?" is missing.
		{"90", "", "77053", "HS-grad", "9", "Widowed", "", "Not-in-family", "White", "Female", "0", "4356", "40", "", ">50K"},
		// Without spaces after the commas too; the test file's "." is kept.
		{"25", "Private", "226802", "11th", "7", "Never-married", "Machine-op-inspct", "Own-child", "Black", "Male", "0", "0", "40", "United-States", ">50K."},
	}
	if !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(lines, []int{2, 4, 5}) {
		t.Errorf("rows\n%q\nat lines %v, want\n%q\nat 2, 4, 5", rows, lines, want)
	}
}

func TestAdultErrors(t *testing.T) {
	fields := strings.Split(adultTrainLine, ", ")
	with := func(col int, v string) string {
		f := append([]string(nil), fields...)
		f[col] = v
		return strings.Join(f, ", ")
	}
	for _, c := range []struct {
		name, line string
		col        int
		msg        string
	}{
		{"short", strings.Join(fields[:14], ", "), 15, "expected 15 comma-separated fields, found 14"},
		{"long", adultTrainLine + ", x", 16, "expected 15 comma-separated fields, found 16"},
		{"age", with(0, "old"), 1, `expected an integer, found "old"`},
		{"hours", with(12, "4O"), 13, `expected an integer, found "4O"`},
		{"label", with(14, "50K"), 15, `expected <=50K or >50K (adult.test adds a final "."), found "50K"`},
		{"missing label", with(14, "?"), 15, "missing label"},
		{"bad text", with(1, "St\xffate"), 2, "expected UTF-8 text"},
	} {
		p := writeTemp(t, "adult.data", adultTrainLine+"\n"+c.line+"\n", false)
		wantParseError(t, firstError(t, "adult", p, ReadOptions{}), p, 2, c.col, c.msg)
	}
	p := writeTemp(t, "adult.data", adultTrainLine+"\n"+with(0, "x")+"\n"+adultTestLine+"\n", false)
	if err := firstError(t, "adult", p, ReadOptions{}); !strings.Contains(err.Error(), "adult.data:2: column 1 (age)") {
		t.Errorf("error %q should name file, line and column", err)
	}
	// Under SkipBad the bad row is skipped and counted.
	r := mustOpen(t, "adult:"+p, ReadOptions{SkipBad: true})
	rows, _, err := readAll(r)
	r.Close()
	if err != nil || len(rows) != 2 || r.Skipped() != 1 {
		t.Errorf("SkipBad: %d rows, %d skipped, %v; want 2, 1", len(rows), r.Skipped(), err)
	}
	// A comment alone is an empty file.
	p = writeTemp(t, "adult.test", "|1x3 Cross validator\n\n", false)
	if err := firstError(t, "adult", p, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("comment-only file: %v", err)
	}
}

package data

import (
	"reflect"
	"strings"
	"testing"
)

func TestLibFMFields(t *testing.T) {
	for _, gz := range []bool{false, true} {
		p := writeTemp(t, "a.libfm", "1 3:1 10:1 7:1\n-1  4:1\t10:1.0 8:1\r\n\n0 3:1 11:1 7:1e0\n", gz)
		r := mustOpen(t, "libfm-fields:"+p, ReadOptions{})
		if got := r.Columns(); !reflect.DeepEqual(got, []string{"label", "f1", "f2", "f3"}) {
			t.Fatalf("columns %q", got)
		}
		if _, ok := r.(SparseSource); ok {
			t.Fatal("a positional reader claims to be sparse: its columns are named")
		}
		rows, lines, err := readAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"1", "3", "10", "7"}, {"-1", "4", "10", "8"}, {"0", "3", "11", "7"}}
		if !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(lines, []int{1, 2, 4}) {
			t.Errorf("gz %v: rows %q at lines %v, want %q at 1, 2, 4", gz, rows, lines, want)
		}
	}
}

func TestLibFMFieldsErrors(t *testing.T) {
	const good = "1 3:1 10:1 7:1\n"
	for _, c := range []struct {
		name, content string
		line, col     int
		msg           string
	}{
		{"fewer tokens", good + "0 3:1 10:1\n", 2, 0, "found 2 index:1 tokens, expected 3 (the count of line 1"},
		{"more tokens", good + good + "0 3:1 10:1 7:1 9:1\n", 3, 0, "found 4 index:1 tokens, expected 3"},
		{"value not one", good + "0 3:1 10:0.5 7:1\n", 2, 3, `expected one-hot value 1, found "10:0.5"`},
		{"value zero on line 1", "0 3:0 10:1\n", 1, 2, "expected one-hot value 1"},
		{"bad label", good + "x 3:1 10:1 7:1\n", 2, 1, `expected a numeric label, found "x"`},
		{"negative index", good + "1 -3:1 10:1 7:1\n", 2, 2, "non-negative integer index"},
		{"no colon", good + "1 3 10:1 7:1\n", 2, 2, `expected index:1, found "3"`},
		{"label alone", "1\n", 1, 2, "expected a label followed by one index:1 token per field"},
	} {
		p := writeTemp(t, "a.libfm", c.content, false)
		wantParseError(t, firstError(t, "libfm-fields", p, ReadOptions{}), p, c.line, c.col, c.msg)
	}
	// The field is named once the first line has fixed the columns.
	p := writeTemp(t, "a.libfm", good+"0 3:1 10:2 7:1\n", false)
	if err := firstError(t, "libfm-fields", p, ReadOptions{}); !strings.Contains(err.Error(), "a.libfm:2: column 3 (f2): expected one-hot value 1") {
		t.Errorf("error %q should name file, line, column and field f2", err)
	}
	// An empty file, or one without a well-formed line, cannot fix the
	// fields.
	p = writeTemp(t, "empty.libfm", "\n\n", false)
	if _, err := Open("libfm-fields:"+p, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
	p = writeTemp(t, "bad.libfm", "x 1:1\n1 2:3\n", false)
	if _, err := Open("libfm-fields:"+p, ReadOptions{SkipBad: true}); err == nil || !strings.Contains(err.Error(), "no well-formed line to fix the number of fields (2 malformed lines skipped)") {
		t.Errorf("no good line: %v", err)
	}
}

func TestLibFMFieldsSkipBad(t *testing.T) {
	// The first well-formed line fixes the count; bad lines before and
	// after it are skipped and counted.
	p := writeTemp(t, "a.libfm", "1 3:2 4:1\n1 5:1 6:1\n0 7:1\n0 8:1 9:1\n1 1:1 2:1 3:1\n", false)
	r := mustOpen(t, "libfm-fields:"+p, ReadOptions{SkipBad: true})
	defer r.Close()
	rows, lines, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"1", "5", "6"}, {"0", "8", "9"}}; !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(lines, []int{2, 4}) {
		t.Errorf("rows %q at %v, want %q at [2 4]", rows, lines, want)
	}
	if r.Skipped() != 3 {
		t.Errorf("skipped %d, want 3", r.Skipped())
	}
}

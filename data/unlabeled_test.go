package data

import (
	"slices"
	"strings"
	"testing"
)

// dropField removes field i of every sep-separated line of text.
func dropField(text, sep string, i int) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for k, l := range lines {
		f := strings.Split(l, sep)
		lines[k] = strings.Join(slices.Delete(f, i, i+1), sep)
	}
	return strings.Join(lines, "\n") + "\n"
}

// The Criteo, Avazu and Adult readers read a file without the label
// column (the Kaggle and UCI test files) as the same records less that
// column, with or without a header, and leave the shared column lists
// alone.
func TestUnlabeledFiles(t *testing.T) {
	ints := []string{"1", "", "-2", "5", "0", "", "3", "7", "", "12", "1", "", "4"}
	cats := repeat("68fd1e64", 26)
	cats[3] = ""
	criteo := criteoLine("1", ints, cats) + "\n" + criteoLine("0", repeat("", 13), repeat("a", 26)) + "\n"
	criteoHeader := strings.Join(CriteoColumns, "\t") + "\n"
	criteoComma := strings.Join(CriteoColumns, ",") + "\n" + strings.ReplaceAll(criteoLine("0", repeat("260.0", 13), cats), "\t", ",") + "\n"
	avazuRow := "1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79"
	avazu := avazuRow + "\n" + strings.Replace(avazuRow, ",0,14102100,", ",1,14102101,", 1) + "\n"
	avazuHeader := strings.Join(AvazuColumns, ",") + "\n"
	adult := strings.ReplaceAll("|1x3 Cross validator\n"+adultTrainLine+"\n"+adultMissing+"\n"+adultTestLine+"\n", ", ", ",")
	for _, c := range []struct {
		name, reader, labeled, sep string
		label                      int
		header                     bool
	}{
		{"criteo", "criteo", criteo, "\t", 0, false},
		{"criteo with a header", "criteo", criteoHeader + criteo, "\t", 0, true},
		{"criteo, DeepCTR layout", "criteo", criteoComma, ",", 0, true},
		{"avazu", "avazu", avazu, ",", 1, false},
		{"avazu with a header", "avazu", avazuHeader + avazu, ",", 1, true},
		{"adult", "adult", adult, ",", 14, false},
	} {
		read := func(text string) ([]string, [][]string) {
			t.Helper()
			r, err := Open(c.reader+":"+writeTemp(t, "f", text, false), ReadOptions{})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			defer r.Close()
			rows, _, err := readAll(r)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			return r.Columns(), rows
		}
		unlabeledText := c.labeled
		if c.reader == "adult" {
			// The comment line has no fields to drop.
			head, rest, _ := strings.Cut(c.labeled, "\n")
			unlabeledText = head + "\n" + dropField(rest, c.sep, c.label)
		} else {
			unlabeledText = dropField(c.labeled, c.sep, c.label)
		}
		cols, rows := read(c.labeled)
		ucols, urows := read(unlabeledText)
		if want := slices.Delete(slices.Clone(cols), c.label, c.label+1); !slices.Equal(ucols, want) {
			t.Errorf("%s: unlabeled columns %q, want %q", c.name, ucols, want)
		}
		if len(urows) != len(rows) || len(rows) == 0 {
			t.Fatalf("%s: %d unlabeled rows, %d labeled", c.name, len(urows), len(rows))
		}
		for i := range rows {
			if want := slices.Delete(slices.Clone(rows[i]), c.label, c.label+1); !slices.Equal(urows[i], want) {
				t.Errorf("%s: unlabeled row %d = %q, want %q", c.name, i, urows[i], want)
			}
		}
	}
	if len(CriteoColumns) != 40 || CriteoColumns[0] != "label" || len(AvazuColumns) != 24 || AvazuColumns[1] != "click" || len(AdultColumns) != 15 {
		t.Fatal("reading unlabeled files changed the shared column lists")
	}
}

// A file mixing lines with and without the label is malformed at the
// first line that differs from the file's first line (or header); under
// SkipBad those lines are skipped and counted.
func TestMixedLabels(t *testing.T) {
	labeled := criteoLine("1", repeat("1", 13), repeat("abc", 26))
	unlabeled := strings.Join(append(repeat("1", 13), repeat("abc", 26)...), "\t")
	avazuRow := "1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79"
	avazuUnlabeled := dropField(avazuRow, ",", 1)
	adultUnlabeled := strings.TrimSuffix(dropField(adultTrainLine, ", ", 14), "\n")
	for _, c := range []struct {
		name, reader, text string
		line, col          int
		msg                string
		rows               int // read under SkipBad
	}{
		{"criteo: unlabeled, then labeled", "criteo", unlabeled + "\n" + unlabeled + "\n" + labeled + "\n", 3, 40,
			"expected 39 fields, found 40: this line has a label column, the file's first line has none", 2},
		{"criteo: labeled, then unlabeled", "criteo", labeled + "\n" + unlabeled + "\n", 2, 40,
			"expected 40 fields, found 39: this line lacks the label column the file's first line has", 1},
		{"criteo: labeled header, unlabeled line", "criteo", strings.Join(CriteoColumns, "\t") + "\n" + unlabeled + "\n", 2, 40,
			"expected 40 fields, found 39: this line lacks the label column", 0},
		{"avazu: unlabeled header, labeled line", "avazu", dropField(strings.Join(AvazuColumns, ","), ",", 1) + avazuRow + "\n", 2, 24,
			"expected 23 fields, found 24: this line has a click column", 0},
		{"adult: unlabeled, then labeled", "adult", adultUnlabeled + "\n" + adultTrainLine + "\n", 2, 15,
			"expected 14 comma-separated fields, found 15: this line has an income_bracket label, the file's first line has none", 1},
		{"adult: labeled, then unlabeled", "adult", adultTrainLine + "\n" + adultUnlabeled + "\n", 2, 15,
			"expected 15 comma-separated fields, found 14: this line lacks the income_bracket label", 1},
	} {
		p := writeTemp(t, "f", c.text, false)
		err := firstError(t, c.reader, p, ReadOptions{})
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		wantParseError(t, err, p, c.line, c.col, c.msg)
		r, err := Open(c.reader+":"+p, ReadOptions{SkipBad: true})
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := readAll(r)
		r.Close()
		if err != nil || len(rows) != c.rows || r.Skipped() != 1 {
			t.Errorf("%s, skipping: %d rows, %d skipped, %v; want %d and 1", c.name, len(rows), r.Skipped(), err, c.rows)
		}
	}
	// Avazu's hour is checked in its place in an unlabeled file.
	p := writeTemp(t, "a.csv", strings.Replace(avazuUnlabeled, ",14102100,", ",x,", 1), false)
	wantParseError(t, firstError(t, "avazu", p, ReadOptions{}), p, 1, 2, "")
	// A header of the unlabeled width that is not the header without the
	// label is no header this reader knows.
	bad := strings.Join(slices.Delete(slices.Clone(AvazuColumns), 2, 3), ",")
	p = writeTemp(t, "a.csv", bad+"\n"+avazuRow+"\n", false)
	wantParseError(t, firstError(t, "avazu", p, ReadOptions{}), p, 1, 0, "header has 23 fields, expected 24 (or 23 without the label column click)")
}

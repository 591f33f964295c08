package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
)

// avazuRows are Avazu lines i0..i0+n-1 (24 fields, no header), their
// values drawn from small vocabularies by i.
func avazuRows(i0, n int) []string {
	var rows []string
	for i := i0; i < i0+n; i++ {
		f := []string{fmt.Sprint(1000000 + i), fmt.Sprint(b2i(i%3 == 0)), fmt.Sprint(14102100 + i%24)}
		for c := 3; c < 24; c++ {
			f = append(f, fmt.Sprintf("v%d", (i*(c+1))%(3+c%5)))
		}
		rows = append(rows, strings.Join(f, ","))
	}
	return rows
}

// adultRows are UCI Adult lines i0..i0+n-1, written as adult.data is.
func adultRows(i0, n int) []string {
	pick := func(i int, vs ...string) string { return vs[i%len(vs)] }
	var rows []string
	for i := i0; i < i0+n; i++ {
		income := "<=50K"
		if i%4 == 0 {
			income = ">50K"
		}
		f := []string{fmt.Sprint(20 + i%50), pick(i, "Private", "State-gov", "?"), fmt.Sprint(10000 + i), pick(i/2, "Bachelors", "HS-grad", "11th"),
			fmt.Sprint(1 + i%16), pick(i/3, "Never-married", "Divorced"), pick(i/5, "Adm-clerical", "Sales", "?"), pick(i, "Husband", "Own-child"),
			pick(i/7, "White", "Black"), pick(i/2, "Male", "Female"), fmt.Sprint(5000 * b2i(i%10 == 0)), "0", fmt.Sprint(20 + i%40),
			pick(i/11, "United-States", "Mexico"), income}
		rows = append(rows, strings.Join(f, ", "))
	}
	return rows
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// withoutField removes field i of each line.
func withoutField(lines []string, sep string, i int) []string {
	out := make([]string, len(lines))
	for k, l := range lines {
		f := strings.Split(l, sep)
		out[k] = strings.Join(slices.Delete(f, i, i+1), sep)
	}
	return out
}

func writeLines(t *testing.T, path string, lines []string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// predict scores a file without the label column — the Criteo, Avazu and
// UCI Adult test files — exactly as it scores the same rows with their
// labels; training and eval on such a file fail saying the label is
// missing.
func TestPredictUnlabeled(t *testing.T) {
	dir := t.TempDir()
	criteoTrain, _, criteoTest := ctrFiles(t, dir, 400)
	raw, err := os.ReadFile(criteoTest)
	if err != nil {
		t.Fatal(err)
	}
	criteoTestLines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	avazuHeader := strings.Join(data.AvazuColumns, ",")
	for _, c := range []struct {
		reader, label, sep string
		col                int
		train, test        []string // lines
		header             string   // of the labeled files, when they have one
	}{
		{"criteo", "label", "\t", 0, nil, criteoTestLines, ""},
		{"avazu", "click", ",", 1, avazuRows(0, 400), avazuRows(5000, 60), avazuHeader},
		{"adult", "income_bracket", ", ", 14, adultRows(0, 400), adultRows(5000, 60), ""},
	} {
		sub := filepath.Join(dir, c.reader)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		trainF := criteoTrain
		withHeader := func(lines []string, header string) []string {
			if header == "" {
				return lines
			}
			return append([]string{header}, lines...)
		}
		if c.train != nil {
			trainF = writeLines(t, filepath.Join(sub, "train"), withHeader(c.train, c.header))
		}
		labeled := writeLines(t, filepath.Join(sub, "test"), withHeader(c.test, c.header))
		unlabeledHeader := ""
		if c.header != "" {
			unlabeledHeader = withoutField([]string{c.header}, c.sep, c.col)[0]
		}
		unlabeled := writeLines(t, filepath.Join(sub, "test-unlabeled"), withHeader(withoutField(c.test, c.sep, c.col), unlabeledHeader))

		out := filepath.Join(sub, "run")
		code, _, stderr := recforge(t, "train", "--model", "lr", "--data", c.reader+":"+trainF, "--epochs", "1", "--batch", "64",
			"--out", out, "--cache-dir", filepath.Join(sub, "cache"), "--quiet")
		if code != 0 {
			t.Fatalf("%s: train exit %d: %s", c.reader, code, stderr)
		}
		art := filepath.Join(out, "model")
		var scores [2]string
		for k, f := range []string{labeled, unlabeled} {
			code, stdout, stderr := recforge(t, "predict", "--artifact", art, "--data", c.reader+":"+f)
			if code != 0 {
				t.Fatalf("%s: predict %s: exit %d: %s", c.reader, filepath.Base(f), code, stderr)
			}
			scores[k] = stdout
		}
		if n := strings.Count(scores[0], "\n"); n != len(c.test) {
			t.Fatalf("%s: %d scores for %d rows", c.reader, n, len(c.test))
		}
		if scores[1] != scores[0] {
			t.Errorf("%s: the unlabeled rows' scores differ from the labeled rows':\n%s\nvs\n%s", c.reader, scores[1], scores[0])
		}
		spec := c.reader + ":" + unlabeled
		code, _, stderr = recforge(t, "eval", "--artifact", art, "--data", spec)
		if code != 1 || !strings.Contains(stderr, "has no label column") {
			t.Errorf("%s: eval on unlabeled rows: exit %d, %q", c.reader, code, stderr)
		}
		code, _, stderr = recforge(t, "train", "--model", "lr", "--data", spec, "--epochs", "1", "--out", filepath.Join(sub, "bad"),
			"--cache-dir", filepath.Join(sub, "cache"), "--quiet")
		if want := fmt.Sprintf("the label column %q is missing", c.label); code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%s: train on unlabeled rows: exit %d, %q; want %q", c.reader, code, stderr, want)
		}
	}
}

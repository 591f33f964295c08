package implicit

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
)

// writeFiles writes name → content into a fresh directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadNCF(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"x.train.rating":  "0\t1\t5\n0\t2\t3\n1\t0\t4\n",
		"x.test.rating":   "0\t3\t5\n1\t4\t2\n",
		"x.test.negative": "(0,3)\t0\t4\t5\n(1,4)\t1\t2\t3\n",
	})
	d, err := LoadNCF(filepath.Join(dir, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if d.In.NumUsers != 2 || d.In.NumItems != 6 || !slices.Equal(d.Train, []int32{0, 1, 2}) || !slices.Equal(d.Split.Test, []int32{3, 4}) {
		t.Fatalf("users %d items %d train %v test %v", d.In.NumUsers, d.In.NumItems, d.Train, d.Split.Test)
	}
	if !slices.Equal(d.Split.Negatives[1], []int32{1, 2, 3}) || d.In.Items[4] != 4 || d.In.Times != nil {
		t.Fatalf("negatives %v, test item %d", d.Split.Negatives, d.In.Items[4])
	}
	// ItemPop by hand: counts 0:1 1:1 2:1, 0 for the rest. User 0's test
	// item 3 loses to 0 and ties with 4 and 5: rank 4 (ties count against
	// it). User 1's item 4 loses to 1 and 2 and ties with 3: rank 4.
	if rep := evaluate(t, d, Settings{Model: "itempop"}); rep["hr@10"] != 1 || rep["mrr"] != 0.25 {
		t.Fatalf("ItemPop %v, want HR@10 1 and MRR 1/4", rep)
	}
}

func TestLoadNCFErrors(t *testing.T) {
	good := map[string]string{
		"x.train.rating":  "0\t1\t5\n1\t0\t4\n",
		"x.test.rating":   "0\t3\t5\n1\t4\t2\n",
		"x.test.negative": "(0,3)\t0\t4\n(1,4)\t1\t2\n",
	}
	for _, c := range []struct {
		file, content, want string
	}{
		{"x.train.rating", "0\t1\t5\n1\tz\t4\n", "x.train.rating:2: column 2 (item)"},
		{"x.train.rating", "0\t1\t5\n1\t99999999999\t4\n", "x.train.rating:2: column 2 (item): expected an id below 2^31"},
		{"x.test.rating", "0\t3\t5\n0\t4\t2\n", "x.test.rating:2: column 1 (user): user 0 already has a test row on line 1"},
		{"x.test.negative", "(0,3)\t0\t4\n(1,5)\t1\t2\n", "x.test.negative:2: column 1 (user): expected the test pair (1,4)"},
		{"x.test.negative", "(0,3)\t0\t4\n(1,4)\t1\n", "x.test.negative:2: column 2 (negatives): expected 2 (as line 1) negatives, found 1"},
		{"x.test.negative", "(0,3)\t0\t4\n", "1 lines for the 2 lines"},
		{"x.test.negative", "(0,3)\t0\t4\n(1,4)\t1\t2\n(2,2)\t1\t2\n", "x.test.negative:3: expected 2 lines"},
		{"x.test.negative", "0,3\t0\t4\n(1,4)\t1\t2\n", "x.test.negative:1: column 1 (user)"},
	} {
		files := map[string]string{}
		for k, v := range good {
			files[k] = v
		}
		files[c.file] = c.content
		dir := writeFiles(t, files)
		_, err := LoadNCF(filepath.Join(dir, "x"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: error %v, want %q", c.file, c.content, err, c.want)
		}
	}
	if _, err := LoadNCF(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing.train.rating") {
		t.Errorf("missing files: error %v", err)
	}
}

func TestLoadML1MImplicit(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"train.txt": "0 3 1 2\n1 0\n2 4 0\n",
		"test.txt":  "0 4 0\n2 1\n",
	})
	d, err := LoadML1MImplicit(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.In.NumUsers != 3 || d.In.NumItems != 5 || len(d.Train) != 6 || d.Protocol != Full {
		t.Fatalf("users %d items %d rows %d", d.In.NumUsers, d.In.NumItems, len(d.Train))
	}
	if !slices.Equal(d.Test[0], []int32{4, 0}) || !slices.Equal(d.Test[2], []int32{1}) || len(d.Test) != 2 {
		t.Fatalf("test %v", d.Test)
	}
	// ItemPop counts 0:2 1:1 2:1 3:1 4:1. User 0 ranks items 0 (2) and 4
	// (1, tied with nothing else left): ranks 1 and 2, recall@20 1.
	if rep := evaluate(t, d, Settings{Model: "itempop"}); rep["recall@20"] != 1 {
		t.Fatalf("ItemPop %v", rep)
	}
	for _, c := range []struct {
		train, test, want string
	}{
		{"0 3 1 2\n1 x\n", "0 4\n", "train.txt:2: column 2 (items)"},
		{"0 3 1 2\n1\n", "0 4\n", "train.txt:2: column 2 (items): expected a user id followed by at least one item id"},
		{"0 3 1 2\n1 2\n0 4\n", "0 4\n", "train.txt:3: column 1 (user): user 0 already listed on line 1"},
		{"0 3 1 2\n", "0 4 -1\n", "test.txt:1: column 3 (items)"},
		{"0 3 1 2\n", "0 4 9999999999\n", "test.txt:1: column 3 (items): expected an id below 2^31"},
	} {
		dir := writeFiles(t, map[string]string{"train.txt": c.train, "test.txt": c.test})
		_, err := LoadML1MImplicit(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("train %q test %q: error %v, want %q", c.train, c.test, err, c.want)
		}
		var pe *data.ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("error %v is not a *data.ParseError", err)
		}
	}
}

func TestLoadMovieLens(t *testing.T) {
	// User 1 rated items 1 (t=5), 2 (t=9), 3 (t=7): item 2 is held out.
	dir := writeFiles(t, map[string]string{
		"u.data": "1\t1\t5\t5\n1\t2\t3\t9\n1\t3\t4\t7\n2\t4\t1\t1\n2\t5\t2\t2\n3\t6\t5\t1\n",
		"bad":    "1\t1\t5\t5\n0\t2\t3\t9\n",
	})
	d, err := LoadMovieLens(filepath.Join(dir, "u.data"), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.In.NumUsers != 3 || d.In.NumItems != 6 || len(d.Split.Test) != 2 || d.In.Items[d.Split.Test[0]] != 1 {
		t.Fatalf("users %d items %d test rows %v", d.In.NumUsers, d.In.NumItems, d.Split.Test)
	}
	_, err = LoadMovieLens(filepath.Join(dir, "bad"), 2, 1)
	if err == nil || !strings.Contains(err.Error(), "bad:2: column 1 (user): expected a 1-based MovieLens id") {
		t.Fatalf("id 0: error %v", err)
	}
}

func TestOpenSpecErrors(t *testing.T) {
	for _, spec := range []string{"lastfm", "ncf:", "csv:x"} {
		if _, err := Open(spec, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "ncf, movielens or ml1m-implicit") {
			t.Errorf("%q: error %v", spec, err)
		}
	}
}

// Open knows every kind Kinds lists: a missing path is an error about the
// path, never an unknown kind.
func TestOpenKinds(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent")
	for _, k := range Kinds {
		_, err := Open(k+":"+missing, LoadOptions{})
		if err == nil || strings.Contains(err.Error(), "unknown kind") || !strings.Contains(err.Error(), "absent") {
			t.Errorf("kind %s: error %v, want one about the missing path", k, err)
		}
	}
}

// The validation hold-out comes from the training rows only: under LOO the
// held-out pairs are training pairs and never the test pair; under full
// ranking each user's validation items plus its remaining training items
// are exactly its training items.
func TestValidation(t *testing.T) {
	d := lowRankLOO(t)
	v, err := d.Validation(0, 4)
	if err != nil {
		t.Fatal(err)
	}
	trainPairs := map[[2]int32]bool{}
	for _, r := range d.Train {
		trainPairs[[2]int32{d.In.Users[r], d.In.Items[r]}] = true
	}
	for _, r := range d.Split.Test {
		p := [2]int32{d.In.Users[r], d.In.Items[r]}
		if trainPairs[p] {
			t.Fatalf("test pair %v is also a training pair", p)
		}
	}
	if len(v.In.Users) != len(d.Train) || len(v.Split.Test) == 0 || len(v.Split.Negatives[0]) != 99 {
		t.Fatalf("validation has %d rows (train %d), %d held out", len(v.In.Users), len(d.Train), len(v.Split.Test))
	}
	for _, r := range v.Split.Test {
		if !trainPairs[[2]int32{v.In.Users[r], v.In.Items[r]}] {
			t.Fatalf("validation pair (%d, %d) is not a training pair", v.In.Users[r], v.In.Items[r])
		}
	}

	dir := writeFiles(t, map[string]string{
		"train.txt": "0 0 1 2 3 4 5 6 7 8 9\n1 0 1\n2 5\n",
		"test.txt":  "0 10\n1 11\n",
	})
	f, err := LoadML1MImplicit(dir)
	if err != nil {
		t.Fatal(err)
	}
	fv, err := f.Validation(0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(fv.Test[0]) != 2 || len(fv.Test[1]) != 0 || len(fv.Test[2]) != 0 {
		t.Fatalf("held out %v: want 2 of user 0's 10, none of a user with 1 or 2 rows rounded to 0", fv.Test)
	}
	for u := range int32(3) {
		var got []int32
		for _, r := range fv.Train {
			if fv.In.Users[r] == u {
				got = append(got, fv.In.Items[r])
			}
		}
		got = append(got, fv.Test[u]...)
		slices.Sort(got)
		if want := f.Seen().Items(u); !slices.Equal(got, want) {
			t.Fatalf("user %d: train' ∪ validation = %v, training items %v", u, got, want)
		}
		for _, it := range fv.Test[u] {
			if slices.Contains(f.Test[u], it) {
				t.Fatalf("user %d: validation item %d is a test item", u, it)
			}
		}
	}
	if _, err := f.Validation(1.5, 1); err == nil {
		t.Fatal("fraction 1.5 accepted")
	}
}

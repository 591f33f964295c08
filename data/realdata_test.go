package data

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// each reads every record of r, calling fn on it, and closes r.
func each(t *testing.T, r Reader, fn func(rec *Record)) int {
	t.Helper()
	defer r.Close()
	var rec Record
	n := 0
	for {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		fn(&rec)
	}
	if r.Skipped() != 0 {
		t.Fatalf("%d rows skipped", r.Skipped())
	}
	return n
}

func mustOpen(t *testing.T, spec string, opts ReadOptions) Reader {
	t.Helper()
	r, err := Open(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// countLabels counts rows and rows whose column col equals one of pos.
func countLabels(t *testing.T, spec string, col int, pos ...string) (rows, positives int) {
	t.Helper()
	rows = each(t, mustOpen(t, spec, ReadOptions{}), func(rec *Record) {
		for _, p := range pos {
			if string(rec.Cols[col]) == p {
				positives++
			}
		}
	})
	return rows, positives
}

func TestRealCriteo(t *testing.T) {
	dir := shareddata.Dir(t, "criteo-8k")
	for _, c := range []struct {
		file         string
		rows, clicks int
	}{{"train.csv", 7200, 1549}, {"dev.csv", 409, 93}, {"test.csv", 391, 86}} {
		rows, clicks := countLabels(t, "criteo:"+filepath.Join(dir, c.file), 0, "1")
		if rows != c.rows || clicks != c.clicks {
			t.Errorf("%s: %d rows, %d clicks; README says %d, %d", c.file, rows, clicks, c.rows, c.clicks)
		}
	}
	// README: distinct values per C field and missing counts per I field
	// in train.csv.
	wantVocab := []int{147, 360, 4137, 3101, 51, 8, 2645, 76, 3, 2410, 1805, 3969, 1515, 22, 1751, 3577, 9, 1012, 457, 4, 3792, 8, 12, 2008, 38, 1526}
	wantMissing := []int{3247, 0, 1447, 1456, 362, 1811, 347, 7, 347, 3247, 347, 5576, 1456}
	vocab := make([]map[string]bool, 26)
	for i := range vocab {
		vocab[i] = map[string]bool{}
	}
	missing := make([]int, 13)
	each(t, mustOpen(t, "criteo:"+filepath.Join(dir, "train.csv"), ReadOptions{}), func(rec *Record) {
		for i := range 13 {
			if len(rec.Cols[1+i]) == 0 {
				missing[i]++
			}
		}
		for i := range 26 {
			vocab[i][string(rec.Cols[14+i])] = true
		}
	})
	for i := range 13 {
		if missing[i] != wantMissing[i] {
			t.Errorf("I%d: %d missing, README says %d", i+1, missing[i], wantMissing[i])
		}
	}
	for i := range 26 {
		// The README counts distinct values; whether the empty value
		// counts as one is not stated, so accept either.
		n := len(vocab[i])
		if n != wantVocab[i] && !(vocab[i][""] && n-1 == wantVocab[i]) {
			t.Errorf("C%d: %d distinct values, README says %d", i+1, n, wantVocab[i])
		}
	}
	// The DeepCTR fixture: comma-separated, with a header, 200 rows.
	fix := filepath.Join(shareddata.Dir(t, "fixtures"), "deepctr", "criteo_sample.txt")
	if rows, _ := countLabels(t, "criteo:"+fix, 0, "1"); rows != 200 {
		t.Errorf("criteo_sample.txt: %d rows, want 200", rows)
	}
}

func TestRealAvazu(t *testing.T) {
	dir := shareddata.Dir(t, "avazu-9k")
	for _, c := range []struct {
		file         string
		rows, clicks int
	}{{"train.csv", 8087, 1397}, {"dev.csv", 480, 86}, {"test.csv", 432, 80}} {
		rows, clicks := countLabels(t, "avazu:"+filepath.Join(dir, c.file), 1, "1")
		if rows != c.rows || clicks != c.clicks {
			t.Errorf("%s: %d rows, %d clicks; README says %d, %d", c.file, rows, clicks, c.rows, c.clicks)
		}
	}
	fix := filepath.Join(shareddata.Dir(t, "fixtures"), "deepctr", "avazu_sample.txt")
	if rows, _ := countLabels(t, "avazu:"+fix, 1, "1"); rows != 100 {
		t.Errorf("avazu_sample.txt: %d rows, want 100", rows)
	}
}

// sparseStats reads a libFM file: rows, rows with label pos, the feature
// count of every row (-1 when they differ) and the largest index.
func sparseStats(t *testing.T, spec, pos string) (rows, positives, perRow, maxIdx int) {
	t.Helper()
	perRow = -2
	rows = each(t, mustOpen(t, spec, ReadOptions{}), func(rec *Record) {
		if string(rec.Cols[0]) == pos {
			positives++
		}
		if n := len(rec.Cols) - 1; perRow == -2 {
			perRow = n
		} else if perRow != n {
			perRow = -1
		}
		for _, tok := range rec.Cols[1:] {
			idx, _, _ := bytes.Cut(tok, []byte(":"))
			v, _ := parseInt(idx)
			maxIdx = max(maxIdx, int(v))
		}
	})
	return
}

func TestRealLibFM(t *testing.T) {
	frappe := shareddata.Dir(t, "frappe-nfm")
	for _, c := range []struct {
		file                    string
		rows, pos, perRow, maxI int
	}{{"frappe.validation.libfm", 57722, 19063, 10, 5381}, {"frappe.test.libfm", 28860, 9536, 10, 5377}} {
		rows, pos, per, maxI := sparseStats(t, "libfm:"+filepath.Join(frappe, c.file), "1")
		if rows != c.rows || pos != c.pos || per != c.perRow || maxI != c.maxI {
			t.Errorf("%s: %d rows, %d positive, %d features/row, max index %d; README says %d, %d, %d, %d",
				c.file, rows, pos, per, maxI, c.rows, c.pos, c.perRow, c.maxI)
		}
	}
	ipinyou := shareddata.Dir(t, "ipinyou-fnn")
	for _, c := range []struct {
		file      string
		rows, pos int
	}{{"train.fm.txt", 26773, 255}, {"test.fm.txt", 21150, 50}} {
		rows, pos, per, maxI := sparseStats(t, "libfm:"+filepath.Join(ipinyou, c.file), "1")
		if rows != c.rows || pos != c.pos || per != 16 || maxI > 133464 {
			t.Errorf("%s: %d rows, %d clicks, %d features/row, max index %d; README says %d, %d, 16, ≤ 133464",
				c.file, rows, pos, per, maxI, c.rows, c.pos)
		}
	}
}

func TestRealMovieLens(t *testing.T) {
	dir := shareddata.Dir(t, "ml-100k")
	hist := map[string]int{}
	users, items := map[string]bool{}, map[string]bool{}
	minT, maxT := int64(1<<62), int64(0)
	rows := each(t, mustOpen(t, "movielens:"+filepath.Join(dir, "u.data"), ReadOptions{}), func(rec *Record) {
		hist[string(rec.Cols[2])]++
		users[string(rec.Cols[0])] = true
		items[string(rec.Cols[1])] = true
		ts, _ := parseInt(rec.Cols[3])
		minT, maxT = min(minT, ts), max(maxT, ts)
	})
	if rows != 100000 || len(users) != 943 || len(items) != 1682 {
		t.Errorf("u.data: %d ratings, %d users, %d items; README says 100000, 943, 1682", rows, len(users), len(items))
	}
	if hist["1"] != 6110 || hist["2"] != 11370 || hist["3"] != 27145 || hist["4"] != 34174 || hist["5"] != 21201 {
		t.Errorf("u.data rating histogram %v differs from the README's", hist)
	}
	if minT != 874724710 || maxT != 893286638 {
		t.Errorf("timestamps %d…%d, README says 874724710…893286638", minT, maxT)
	}
	var title string
	rows = each(t, mustOpen(t, "movielens:"+filepath.Join(dir, "u.item"), ReadOptions{}), func(rec *Record) {
		if string(rec.Cols[0]) == "543" {
			title = string(rec.Cols[1])
		}
	})
	if rows != 1682 {
		t.Errorf("u.item: %d rows, want 1682", rows)
	}
	if title != "Misérables, Les (1995)" { // Latin-1 0xE9 decoded to UTF-8
		t.Errorf("u.item 543 title %q, want \"Misérables, Les (1995)\"", title)
	}
	rows, male := countLabels(t, "movielens:"+filepath.Join(dir, "u.user"), 2, "M")
	if rows != 943 || male != 670 {
		t.Errorf("u.user: %d users, %d male; README says 943, 670", rows, male)
	}
}

func TestRealNCF(t *testing.T) {
	dir := shareddata.Dir(t, "ncf-loo")
	for _, c := range []struct {
		name        string
		users, rows int
	}{{"lastfm", 1741, 67408}, {"AToy", 3137, 81505}, {"AMusic", 1776, 44311}} {
		base := filepath.Join(dir, c.name)
		r := mustOpen(t, "ncf-rating:"+base+".train.rating", ReadOptions{})
		if got := strings.Join(r.Columns(), ","); got != "user,item,rating" {
			t.Errorf("%s: columns %s, want user,item,rating (no timestamp)", c.name, got)
		}
		if rows := each(t, r, func(*Record) {}); rows != c.rows {
			t.Errorf("%s.train.rating: %d rows, README says %d", c.name, rows, c.rows)
		}
		var pairs []string
		if rows := each(t, mustOpen(t, "ncf-rating:"+base+".test.rating", ReadOptions{}), func(rec *Record) {
			pairs = append(pairs, string(rec.Cols[0])+","+string(rec.Cols[1]))
		}); rows != c.users {
			t.Errorf("%s.test.rating: %d rows, README says %d", c.name, rows, c.users)
		}
		k := 0
		rows := each(t, mustOpen(t, "ncf-negative:"+base+".test.negative", ReadOptions{}), func(rec *Record) {
			if k < len(pairs) && string(rec.Cols[0])+","+string(rec.Cols[1]) != pairs[k] {
				t.Errorf("%s.test.negative line %d: pair (%s,%s), test row %s", c.name, rec.Line, rec.Cols[0], rec.Cols[1], pairs[k])
			}
			if n := bytes.Count(rec.Cols[2], []byte("\t")) + 1; n != 99 {
				t.Errorf("%s.test.negative line %d: %d negatives, want 99", c.name, rec.Line, n)
			}
			k++
		})
		if rows != c.users {
			t.Errorf("%s.test.negative: %d lines, README says %d", c.name, rows, c.users)
		}
	}
}

// seqStats reads a sequence file: users, interactions, longest sequence.
func seqStats(t *testing.T, path string) (users, total, longest int) {
	users = each(t, mustOpen(t, "seq:"+path, ReadOptions{}), func(rec *Record) {
		n := bytes.Count(rec.Cols[1], []byte(" ")) + 1
		total += n
		longest = max(longest, n)
	})
	return
}

func TestRealSequences(t *testing.T) {
	video := filepath.Join(shareddata.Dir(t, "amazon-video-seq"), "Video.txt")
	if users, total, longest := seqStats(t, video); users != 31013 || total != 287107 || longest != 860 {
		t.Errorf("Video.txt: %d users, %d interactions, longest %d; README says 31013, 287107, 860", users, total, longest)
	}
	ml := shareddata.Dir(t, "ml-1m-implicit-m1")
	if users, total, _ := seqStats(t, filepath.Join(ml, "train.txt")); users != 6022 || total != 796244 {
		t.Errorf("ml-1m train.txt: %d users, %d interactions; README says 6022, 796244", users, total)
	}
	if users, total, _ := seqStats(t, filepath.Join(ml, "test.txt")); users != 6022 || total != 99455 {
		t.Errorf("ml-1m test.txt: %d users, %d interactions; README says 6022, 99455", users, total)
	}
}

func TestRealAdultCSV(t *testing.T) {
	dir := shareddata.Dir(t, "adult-census")
	cols := []string{"age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
		"relationship", "race", "gender", "capital_gain", "capital_loss", "hours_per_week", "native_country", "income_bracket"}
	opts := ReadOptions{Columns: cols, TrimSpace: true}
	for _, c := range []struct {
		file      string
		rows, pos int
	}{{"adult.train", 32561, 7841}, {"adult.test", 16281, 3846}} {
		pos := 0
		rows := each(t, mustOpen(t, "csv:"+filepath.Join(dir, c.file), opts), func(rec *Record) {
			if l := string(rec.Cols[14]); l == ">50K" || l == ">50K." {
				pos++
			}
		})
		if rows != c.rows || pos != c.pos {
			t.Errorf("%s: %d rows, %d >50K; README says %d, %d", c.file, rows, pos, c.rows, c.pos)
		}
	}
}

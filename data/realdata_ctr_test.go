package data

import (
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// Row counts and label counts below are the READMEs' in ../shared/data.

func TestRealLibFMFields(t *testing.T) {
	for _, c := range []struct {
		dir, file      string
		fields         int
		rows, positive int
		pos            string
	}{
		{"frappe-nfm", "frappe.validation.libfm", 10, 57722, 19063, "1"},
		{"frappe-nfm", "frappe.test.libfm", 10, 28860, 9536, "1"},
		{"ipinyou-fnn", "train.fm.txt", 16, 26773, 255, "1"},
		{"ipinyou-fnn", "test.fm.txt", 16, 21150, 50, "1"},
	} {
		spec := "libfm-fields:" + filepath.Join(shareddata.Dir(t, c.dir), c.file)
		r := mustOpen(t, spec, ReadOptions{})
		if n := len(r.Columns()); n != c.fields+1 {
			t.Errorf("%s: %d columns, want label + %d fields", c.file, n, c.fields)
		}
		r.Close()
		rows, pos := countLabels(t, spec, 0, c.pos)
		if rows != c.rows || pos != c.positive {
			t.Errorf("%s: %d rows, %d positive; README says %d, %d", c.file, rows, pos, c.rows, c.positive)
		}
	}
}

func TestRealAdult(t *testing.T) {
	dir := shareddata.Dir(t, "adult-census")
	for _, c := range []struct {
		file                   string
		rows, pos, withMissing int
		posLabel               string
	}{{"adult.train", 32561, 7841, 2399, ">50K"}, {"adult.test", 16281, 3846, 1221, ">50K."}} {
		pos, withMissing := 0, 0
		rows := each(t, mustOpen(t, "adult:"+filepath.Join(dir, c.file), ReadOptions{}), func(rec *Record) {
			if string(rec.Cols[14]) == c.posLabel {
				pos++
			}
			for _, v := range rec.Cols {
				if len(v) == 0 { // a "?" in the file
					withMissing++
					break
				}
			}
		})
		if rows != c.rows || pos != c.pos || withMissing != c.withMissing {
			t.Errorf("%s: %d rows, %d %s, %d with a missing value; README says %d, %d, %d",
				c.file, rows, pos, c.posLabel, withMissing, c.rows, c.pos, c.withMissing)
		}
	}
}

func TestRealMovieLensCTR(t *testing.T) {
	dir := shareddata.Dir(t, "ml-100k")
	for _, c := range []struct {
		spec       string
		rows, like int // like: ratings ≥ 4
	}{
		// u.data's histogram in the README: 34,174 fours and 21,201 fives.
		{dir, 100000, 34174 + 21201},
		{filepath.Join(dir, "u1.base"), 80000, 44140},
		{filepath.Join(dir, "u1.test"), 20000, 11235},
	} {
		noYear := 0
		zips := map[string]bool{}
		like := 0
		rows := each(t, mustOpen(t, "movielens-ctr:"+c.spec, ReadOptions{}), func(rec *Record) {
			if r := string(rec.Cols[2]); r == "4" || r == "5" {
				like++
			}
			if len(rec.Cols[10]) == 0 {
				noYear++
				if string(rec.Cols[1]) != "267" {
					t.Fatalf("item %s has no year", rec.Cols[1])
				}
			}
			for k := 4; k <= 9; k++ {
				if len(rec.Cols[k]) == 0 {
					t.Fatalf("%s:%d: column %s is empty", rec.File, rec.Line, MovieLensCTRColumns[k])
				}
			}
			zips[string(rec.Cols[7])] = true
		})
		if rows != c.rows || like != c.like {
			t.Errorf("%s: %d rows, %d rated ≥ 4; want %d, %d", c.spec, rows, like, c.rows, c.like)
		}
		// Only item 267 lacks a release date, rated 9 times in u.data;
		// the 943 users have 111 two-character zip prefixes (counted with
		// python from u.data, u.item and u.user).
		if c.rows == 100000 && (len(zips) != 111 || noYear != 9) {
			t.Errorf("u.data: %d zip prefixes, %d ratings without a year; want 111, 9", len(zips), noYear)
		}
	}
}

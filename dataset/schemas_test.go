package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
)

func TestDefaultSchemaChoice(t *testing.T) {
	for _, tc := range []struct {
		spec, name string // name "": no built-in schema
	}{
		{"criteo:day_0.gz", "criteo"},
		{"synthetic:ctr?rows=10&seed=2", "synthetic-ctr"},
		{"synthetic:ctr", "synthetic-ctr"},
		{"synthetic:other?rows=3", ""},
		{"avazu:train.csv", "avazu"},
		{"movielens:ml-100k/u.data", "movielens"},
		{"movielens:ml-100k/u1.base", "movielens"},
		{"movielens:ml-100k/ua.test", "movielens"},
		{"movielens:ml-1m/ratings.dat.gz", "movielens"},
		{"movielens:ml-100k/u.item", ""},
		{"movielens:ml-100k/u.user", ""},
		{"movielens:ml-1m/movies.dat", ""},
		{"movielens:ml-1m/users.dat", ""},
		{"csv:train.csv", ""},
		{"tsv:train.tsv", ""},
		{"parquet:train.parquet", ""},
		{"libfm:a.libfm", ""},
		{"libsvm:a.svm", ""},
		{"libffm:a.ffm", ""},
		{"seq:a.seq", ""},
	} {
		s, ok, err := DefaultSchema(tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if ok != (tc.name != "") || (ok && s.Name != tc.name) || (!ok && s != nil) {
			t.Errorf("%s: ok %v, schema %+v; want name %q", tc.spec, ok, s, tc.name)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"criteo", "expected READER:PATH"},
		{"criteo:", "expected READER:PATH"},
		{"nope:x.csv", `unknown reader "nope"`},
	} {
		if _, ok, err := DefaultSchema(tc.spec); err == nil || ok || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ok %v, error %v; want one containing %q", tc.spec, ok, err, tc.want)
		}
	}
	// Each call returns a schema of its own.
	a, _, _ := DefaultSchema("criteo:x")
	a.Fields[1].MinCount = 99
	if b, _, _ := DefaultSchema("criteo:x"); b.Fields[1].MinCount != 2 {
		t.Fatal("editing one built-in schema changed the next")
	}
}

func TestDefaultSchemaContent(t *testing.T) {
	// Criteo's is the reference schema of package feature at width 10.
	ref, err := feature.LoadSchema("../feature/testdata/criteo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := DefaultSchema("criteo:x")
	if s.EmbeddingDim != 10 || s.HashSeed != ref.HashSeed || !reflect.DeepEqual(s.Fields, ref.Fields) {
		t.Fatalf("criteo schema %+v differs from feature/testdata/criteo.yaml (but for embedding_dim 10)", s)
	}
	syn, _, _ := DefaultSchema("synthetic:ctr")
	if !reflect.DeepEqual(syn.Fields, s.Fields) || syn.EmbeddingDim != 10 {
		t.Fatal("synthetic:ctr's schema is not Criteo's")
	}
	// Every field reads a column of its reader, and every column but the
	// ignored ones has a field.
	for _, tc := range []struct {
		spec    string
		columns []string
		label   string
		ignored []string
	}{
		{"criteo:x", data.CriteoColumns, "label", nil},
		{"avazu:x", data.AvazuColumns, "click", []string{"id"}},
		{"movielens:u.data", data.MovieLensRatingColumns, "rating", []string{"timestamp"}},
	} {
		s, _, _ := DefaultSchema(tc.spec)
		var read []string
		for _, f := range s.Fields {
			if f.Type == feature.Label && f.Name != tc.label {
				t.Errorf("%s: label %q, want %q", tc.spec, f.Name, tc.label)
			}
			read = append(read, f.Name)
		}
		var want []string
		for _, c := range tc.columns {
			if !slicesContains(tc.ignored, c) {
				want = append(want, c)
			}
		}
		if len(read) != len(want) {
			t.Errorf("%s: fields %q, want the columns %q", tc.spec, read, want)
			continue
		}
		for _, c := range want {
			if !slicesContains(read, c) {
				t.Errorf("%s: no field reads column %q", tc.spec, c)
			}
		}
	}
	ml, _, _ := DefaultSchema("movielens:u.data")
	for _, f := range ml.Fields {
		if want := map[string]feature.Source{"user": feature.User, "item": feature.Item}[f.Name]; f.Source != want {
			t.Errorf("movielens field %q: source %q, want %q", f.Name, f.Source, want)
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The built-in schemas fit and encode sources of their readers' layouts.
func TestDefaultSchemaFits(t *testing.T) {
	dir := t.TempDir()
	t.Run("synthetic", func(t *testing.T) {
		const spec = "synthetic:ctr?rows=300&seed=2"
		s, _, _ := DefaultSchema(spec)
		enc, err := Fit(context.Background(), spec, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := Build(context.Background(), spec, enc, filepath.Join(dir, "syn.cache"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if d.Rows != 300 || d.Slots != 39 {
			t.Fatalf("rows %d, slots %d; want 300, 39", d.Rows, d.Slots)
		}
	})
	t.Run("avazu", func(t *testing.T) {
		// Two files that differ only in the per-row id fit the same
		// encoders: the id is not read.
		var a, b []string
		a = append(a, strings.Join(data.AvazuColumns, ","))
		labels := []float32{}
		for i := range 20 {
			click := i % 5 / 4 // rows 4, 9, 14, 19 clicked
			labels = append(labels, float32(click))
			site := fmt.Sprintf("s%d", i%3)
			a = append(a, avazuRow(fmt.Sprint(1000+i), click, site))
			b = append(b, avazuRow(fmt.Sprint(9000-i), click, site)) // and no header
		}
		pa, pb := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
		os.WriteFile(pa, []byte(strings.Join(a, "\n")+"\n"), 0o644)
		os.WriteFile(pb, []byte(strings.Join(b, "\n")+"\n"), 0o644)
		s, _, _ := DefaultSchema("avazu:" + pa)
		encA, err := Fit(context.Background(), "avazu:"+pa, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		encB, err := Fit(context.Background(), "avazu:"+pb, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(encA)
		jb, _ := json.Marshal(encB)
		if string(ja) != string(jb) {
			t.Fatal("the id column changed the encoders")
		}
		// site_id: s0 ×7, s1 ×7, s2 ×6, all ≥ min_count 2.
		if v := encA.Vocab("site_id"); v == nil || v.Len() != 3 {
			t.Fatalf("site_id vocabulary %+v", v)
		}
		d, _, err := Build(context.Background(), "avazu:"+pa, encA, filepath.Join(dir, "a.cache"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if d.Rows != 20 || d.Slots != 22 || !reflect.DeepEqual(d.Label, labels) {
			t.Fatalf("rows %d, slots %d, labels %v; want 20, 22, %v", d.Rows, d.Slots, d.Label, labels)
		}
	})
	t.Run("movielens", func(t *testing.T) {
		var lines []string
		var ratings []float32
		for i := range 30 {
			r := 1 + i%5
			ratings = append(ratings, float32(r))
			lines = append(lines, fmt.Sprintf("%d\t%d\t%d\t%d", 1+i%4, 100+i%7, r, 874965758+i))
		}
		path := filepath.Join(dir, "u1.base")
		os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		spec := "movielens:" + path
		s, ok, err := DefaultSchema(spec)
		if err != nil || !ok {
			t.Fatalf("ok %v, err %v", ok, err)
		}
		enc, err := Fit(context.Background(), spec, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// 4 users and 7 items, each with an id of its own (min_count 1).
		if enc.Vocab("user").Len() != 4 || enc.Vocab("item").Len() != 7 {
			t.Fatalf("vocabularies: %d users, %d items; want 4, 7", enc.Vocab("user").Len(), enc.Vocab("item").Len())
		}
		d, _, err := Build(context.Background(), spec, enc, filepath.Join(dir, "ml.cache"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if d.Rows != 30 || d.Slots != 2 || !reflect.DeepEqual(d.Label, ratings) {
			t.Fatalf("rows %d, slots %d, labels %v; want 30, 2, %v", d.Rows, d.Slots, d.Label, ratings)
		}
	})
}

// The built-in schemas fit the real files of their readers; skipped when
// the shared data are absent.
func TestDefaultSchemaRealData(t *testing.T) {
	root := shareddata.Dir(t)
	for _, tc := range []struct {
		spec  string
		slots int
	}{
		{"criteo:" + root + "/criteo-8k/train.csv", 39},
		{"avazu:" + root + "/avazu-9k/train.csv", 22},
		{"avazu:" + root + "/avazu-9k/dev.csv", 22}, // no header
		{"movielens:" + root + "/ml-100k/u1.base", 2},
	} {
		s, ok, err := DefaultSchema(tc.spec)
		if err != nil || !ok {
			t.Fatalf("%s: ok %v, err %v", tc.spec, ok, err)
		}
		enc, err := Fit(context.Background(), tc.spec, s, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		if n := len(enc.Slots()); n != tc.slots {
			t.Errorf("%s: %d slots, want %d", tc.spec, n, tc.slots)
		}
	}
	// ml-100k's README: 943 users; u1.base rates 1650 of the 1682 items
	// (cut -f2 u1.base | sort -u | wc -l).
	s, _, _ := DefaultSchema("movielens:" + root + "/ml-100k/u1.base")
	enc, err := Fit(context.Background(), "movielens:"+root+"/ml-100k/u1.base", s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Vocab("user").Len() != 943 || enc.Vocab("item").Len() != 1650 {
		t.Fatalf("ml-100k u1.base: %d users, %d items", enc.Vocab("user").Len(), enc.Vocab("item").Len())
	}
}

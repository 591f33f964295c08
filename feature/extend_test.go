package feature

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestExtendKeepsOldIdsAndAppendsNew grows smallSchema's encoders with a
// second day of rows, checked by hand.
func TestExtendKeepsOldIdsAndAppendsNew(t *testing.T) {
	s := smallSchema()
	old := fit(t, s, smallColumns, smallRows)
	// Day two: c sees a once, d three times, e once (min_count 2 keeps d
	// only); the item table sees y 1, q 2, p 2, r 1 (min_count 1: all new
	// ones enter, by descending count, ties by value: p q r).
	day2 := [][]string{
		{"1", "10", "d", "q|p", "y"},
		{"0", "20", "d", "p", "q"},
		{"1", "30", "a", "", "r"},
		{"0", "", "d", "", "z"},
		{"0", "", "e", "", "z"},
	}
	today := fit(t, GrowthSchema(s), smallColumns, day2)
	grown, growth, err := old.Extend(s, today, ExtendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := grown.Vocab("c")
	if !slices.Equal(c.Tokens, []string{"a", "d"}) || !slices.Equal(c.Counts, []int64{3, 3}) {
		t.Errorf("vocab c = %q %v, want [a d] [3 3]", c.Tokens, c.Counts)
	}
	it := grown.Vocab("item")
	if !slices.Equal(it.Tokens, []string{"y", "x", "z", "w", "p", "q", "r"}) || !slices.Equal(it.Counts, []int64{6, 3, 4, 1, 2, 2, 1}) {
		t.Errorf("vocab item = %q %v, want [y x z w p q r] [6 3 4 1 2 2 1]", it.Tokens, it.Counts)
	}
	want := []Growth{{Table: "c", Old: 1, Added: 1, Rare: 1}, {Table: "item", Old: 4, Added: 3}}
	if !slices.Equal(growth, want) {
		t.Errorf("growth = %+v, want %+v", growth, want)
	}
	// Every old token keeps its local id (id − offset) in every table.
	for _, ot := range old.Tables() {
		var nt Table
		for _, x := range grown.Tables() {
			if x.Name == ot.Name {
				nt = x
			}
		}
		if nt.OOV != ot.OOV {
			t.Errorf("table %s: OOV %d, was %d", ot.Name, nt.OOV, ot.OOV)
		}
		if ov := old.Vocab(ot.Name); ov != nil {
			nv := grown.Vocab(ot.Name)
			for j, tok := range ov.Tokens {
				if id, ok := nv.Lookup([]byte(tok)); !ok || int(id) != j {
					t.Errorf("table %s: token %q has local id %d (%v), was %d", ot.Name, tok, id, ok, j)
				}
			}
		}
	}
	// Layout: padding, n at 1, c at [2,4)→[2,5), item moves from 4 to 5.
	tb := grown.Tables()
	if tb[2].Offset != 5 || tb[2].Size != 8 || grown.Rows() != 13 {
		t.Errorf("item table %+v, rows %d; want offset 5 size 8, rows 13", tb[2], grown.Rows())
	}
	// Statistics are kept by default, refitted on request.
	if a, b := old.stats["n"], grown.stats["n"]; a != b {
		t.Errorf("stats n = %+v, want the old %+v", b, a)
	}
	refit, _, err := old.Extend(s, today, ExtendOptions{RefitStats: true})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := refit.Stats("n"); st.Count != 3 || st.Mean != 20 || st.Min != 10 || st.Max != 30 {
		t.Errorf("refitted stats n = %+v, want count 3 mean 20 min 10 max 30", st)
	}
}

// TestExtendNothingNew: the same data grows nothing, and the encoders
// serialize as a fresh fit's, counts doubled.
func TestExtendNothingNew(t *testing.T) {
	s := smallSchema()
	old := fit(t, s, smallColumns, smallRows)
	today := fit(t, GrowthSchema(s), smallColumns, smallRows)
	grown, growth, err := old.Extend(s, today, ExtendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if grown.Rows() != old.Rows() || !reflect.DeepEqual(grown.Tables(), old.Tables()) {
		t.Errorf("tables %+v, want %+v", grown.Tables(), old.Tables())
	}
	for _, g := range growth {
		if g.Added != 0 {
			t.Errorf("table %s grew by %d", g.Table, g.Added)
		}
	}
	// b and c were seen once a day: rare on either day, never added.
	if g := growth[0]; g.Rare != 2 {
		t.Errorf("c: %d rare values, want 2 (b, c)", g.Rare)
	}
	if v := grown.Vocab("item"); !slices.Equal(v.Counts, []int64{10, 6, 4, 2}) {
		t.Errorf("item counts %v, want [10 6 4 2]", v.Counts)
	}
}

// TestExtendHashedAndBucketized: a hashed field keeps its buckets; a
// bucketized numeric's vocabulary (of bucket tokens) grows like any other.
func TestExtendHashedAndBucketized(t *testing.T) {
	s := &Schema{Fields: []Field{
		{Name: "y", Type: Label},
		{Name: "h", Type: Categorical, HashBuckets: 5},
		{Name: "b", Type: Numeric, Normalizer: CriteoLog2},
	}}
	columns := []string{"y", "h", "b"}
	old := fit(t, s, columns, [][]string{{"1", "a", "1"}, {"0", "b", "2"}})
	today := fit(t, GrowthSchema(s), columns, [][]string{{"1", "zz", "100"}})
	grown, growth, err := old.Extend(s, today, ExtendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tb := grown.Tables(); tb[0].Size != 5 || tb[1].Size != 1+3 {
		t.Errorf("tables %+v: want h 5 buckets, b 1 OOV + 3 buckets", tb)
	}
	// ⌊ln(100)²⌋ = 21.
	if v := grown.Vocab("b"); !slices.Equal(v.Tokens, []string{"1", "2", "21"}) {
		t.Errorf("b tokens %q, want [1 2 21]", v.Tokens)
	}
	if len(growth) != 1 || growth[0].Table != "b" {
		t.Errorf("growth %+v, want b's only", growth)
	}
}

func TestCheckSchema(t *testing.T) {
	old := fit(t, smallSchema(), smallColumns, smallRows)
	same := smallSchema()
	same.Fields[2].MinCount = 5
	same.Fields[2].Column = "c_today"
	if err := old.CheckSchema(same); err != nil {
		t.Errorf("a new column and min_count: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(s *Schema)
		want string
	}{
		{"added", func(s *Schema) { s.Fields = append(s.Fields, Field{Name: "extra", Type: Categorical}) }, `adds "extra"`},
		{"removed", func(s *Schema) { s.Fields = slices.Delete(s.Fields, 2, 3) }, `removes "c"`},
		{"reordered", func(s *Schema) { s.Fields[1], s.Fields[2] = s.Fields[2], s.Fields[1] }, "orders its fields"},
		{"dim", func(s *Schema) { s.Fields[2].EmbeddingDim = 4 }, `field "c": embedding_dim is 4, the model's 8`},
		{"hashed", func(s *Schema) { s.Fields[2].HashBuckets, s.Fields[2].MinCount = 10, 0 }, `field "c": hash_buckets is 10, the model's unset`},
		{"seed", func(s *Schema) { s.HashSeed = 7 }, "hash_seed 7"},
	} {
		s := smallSchema()
		tc.edit(s)
		err := old.CheckSchema(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
		if _, _, err := old.Extend(s, old, ExtendOptions{}); err == nil {
			t.Errorf("%s: Extend accepted the schema", tc.name)
		}
	}
}

package feature

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// smallSchema and smallRows are a hand-checkable dataset: a label, a
// standardized numeric, a categorical with min_count 2, and a history
// sequence sharing its item table with the candidate item.
func smallSchema() *Schema {
	return &Schema{Fields: []Field{
		{Name: "label", Type: Label},
		{Name: "n", Type: Numeric, Normalizer: Standardize, Missing: MissingMean},
		{Name: "c", Type: Categorical, MinCount: 2},
		{Name: "hist", Type: Sequence, MaxLen: 3, Share: "item"},
		{Name: "item", Type: Categorical, Share: "item"},
	}}
}

var smallColumns = []string{"label", "n", "c", "hist", "item"}

var smallRows = [][]string{
	{"1", "1", "a", "x|y", "x"},
	{"0", "3", "b", "y", "y"},
	{"1", "", "a", "", "z"},
	{"0", "4", "c", "y|x|z|w", "y"},
}

func cols(row []string) [][]byte {
	out := make([][]byte, len(row))
	for i, v := range row {
		out[i] = []byte(v)
	}
	return out
}

func fit(t testing.TB, s *Schema, columns []string, rows [][]string) *Encoders {
	t.Helper()
	ft, err := NewFitter(s, columns)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if err := ft.Observe(cols(r)); err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
	}
	e, err := ft.Encoders()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFitVocabulariesAndStats(t *testing.T) {
	e := fit(t, smallSchema(), smallColumns, smallRows)
	// c counts a:2, b:1, c:1; min_count 2 keeps a.
	if got := e.Vocab("c").Tokens; !slices.Equal(got, []string{"a"}) {
		t.Errorf("vocab c = %q, want [a]", got)
	}
	// The shared item table counts history and candidate together:
	// y 5, x 3, z 2, w 1 — ids by descending count.
	v := e.Vocab("item")
	if !slices.Equal(v.Tokens, []string{"y", "x", "z", "w"}) || !slices.Equal(v.Counts, []int64{5, 3, 2, 1}) {
		t.Errorf("vocab item = %q %v, want [y x z w] [5 3 2 1]", v.Tokens, v.Counts)
	}
	// n over 1, 3, 4 (the missing value is not counted): mean 8/3,
	// population variance 14/9.
	st, _ := e.Stats("n")
	want := NumericStats{Count: 3, Mean: 8.0 / 3, Std: math.Sqrt(14) / 3, Min: 1, Max: 4}
	if st.Count != want.Count || math.Abs(st.Mean-want.Mean) > 1e-15 || math.Abs(st.Std-want.Std) > 1e-15 || st.Min != 1 || st.Max != 4 {
		t.Errorf("stats n = %+v, want %+v", st, want)
	}
	// Layout: padding 0, n at 1, c at [2,4) (OOV 2, a 3), item at [4,9).
	if e.Rows() != 9 {
		t.Errorf("Rows = %d, want 9", e.Rows())
	}
	tb := e.Tables()
	if len(tb) != 3 || tb[0].Offset != 1 || tb[1].Offset != 2 || tb[1].Size != 2 || tb[2].Offset != 4 || tb[2].Size != 5 || !slices.Equal(tb[2].Fields, []string{"hist", "item"}) {
		t.Errorf("tables = %+v", tb)
	}
	if !slices.Equal(e.Slots(), []string{"n", "c", "item"}) {
		t.Errorf("slots = %q", e.Slots())
	}
}

func TestWelfordIsStableUnderLargeOffsets(t *testing.T) {
	// 1e9+{4,7,13,16}: mean 1e9+10, population variance 22.5. The naive
	// Σx²/n − mean² loses every digit here in float64.
	var w welford
	for _, d := range []float64{4, 7, 13, 16} {
		w.add(1e9 + d)
	}
	s := w.stats()
	if s.Mean != 1e9+10 || math.Abs(s.Std-math.Sqrt(22.5)) > 1e-9 {
		t.Errorf("stats = %+v, want mean 1e9+10 std %v", s, math.Sqrt(22.5))
	}
}

func TestRefitIsDeterministic(t *testing.T) {
	a, err := json.Marshal(fit(t, smallSchema(), smallColumns, smallRows))
	if err != nil {
		t.Fatal(err)
	}
	rev := slices.Clone(smallRows)
	slices.Reverse(rev)
	b, err := json.Marshal(fit(t, smallSchema(), smallColumns, rev))
	if err != nil {
		t.Fatal(err)
	}
	// Row order changes only the mean's rounding; ids must not move.
	var ja, jb map[string]any
	_ = json.Unmarshal(a, &ja)
	_ = json.Unmarshal(b, &jb)
	va, _ := json.Marshal(ja["vocabs"])
	vb, _ := json.Marshal(jb["vocabs"])
	if !bytes.Equal(va, vb) {
		t.Errorf("vocabularies differ with row order:\n%s\n%s", va, vb)
	}
	c, _ := json.Marshal(fit(t, smallSchema(), smallColumns, smallRows))
	if !bytes.Equal(a, c) {
		t.Error("refitting the same rows gave different encoders")
	}
}

func TestFitterErrors(t *testing.T) {
	if _, err := NewFitter(smallSchema(), []string{"label", "n"}); err == nil || !strings.Contains(err.Error(), `field "c" reads column "c"`) {
		t.Errorf("missing column: %v", err)
	}
	ft, err := NewFitter(smallSchema(), smallColumns)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		row  []string
		want string
	}{
		{[]string{"1", "2"}, "feature: record has 2 columns, want 5"},
		{[]string{"yes", "1", "a", "x", "x"}, `field "label" (column 1): expected a numeric label, found "yes"`},
		{[]string{"", "1", "a", "x", "x"}, `field "label" (column 1): a value is required, found ""`},
		{[]string{"1", "1.2.3", "a", "x", "x"}, `field "n" (column 2): expected a number, found "1.2.3"`},
		{[]string{"1", "1", "a", "x||y", "x"}, `field "hist" (column 4): element 2 of the sequence is empty, found "x||y"`},
		{[]string{"1", "1", "a", "x|", "x"}, `field "hist" (column 4): sequence ends with the separator "|", found "x|"`},
	} {
		err := ft.Observe(cols(c.row))
		if err == nil || err.Error() != c.want {
			t.Errorf("Observe(%q) = %v, want %s", c.row, err, c.want)
		}
	}
	var ve *ValueError
	if err := ft.Observe(cols([]string{"1", "x", "a", "x", "x"})); !errors.As(err, &ve) || ve.Field != "n" || ve.Column != 2 || ve.Value != "x" {
		t.Errorf("Observe error %#v should be a *ValueError for n, column 2, value x", err)
	}
}

func TestCriteoBucketVocabulary(t *testing.T) {
	s := &Schema{Fields: []Field{{Name: "i", Type: Numeric, Normalizer: CriteoLog2, MinCount: 2}}}
	// Buckets: 3→1, 1→1, 10→5, 12→6, 11→5, ""→"", ""→"", 1000→47.
	e := fit(t, s, []string{"i"}, [][]string{{"3"}, {"1"}, {"10"}, {"12"}, {"11"}, {""}, {""}, {"1000"}})
	if got := e.Vocab("i").Tokens; !slices.Equal(got, []string{"", "1", "5"}) {
		t.Errorf("bucket vocab = %q, want [\"\" 1 5]", got)
	}
	r, err := e.Bind([]string{"i"})
	if err != nil {
		t.Fatal(err)
	}
	ex := e.NewExample()
	// Table at offset 1: OOV 1, "" 2, "1" 3, "5" 4.
	for _, c := range []struct {
		in   string
		want int32
	}{{"", 2}, {"2.9", 3}, {"1", 3}, {"11", 4}, {"12", 1}, {"99999", 1}} {
		if err := r.Encode(cols([]string{c.in}), ex); err != nil {
			t.Fatal(err)
		}
		if ex.IDs[0] != c.want || ex.Values[0] != 1 {
			t.Errorf("encode %q = id %d value %v, want id %d value 1", c.in, ex.IDs[0], ex.Values[0], c.want)
		}
	}
}

// The dense bucket table must give exactly the ids of the token lookup it
// replaces, for buckets inside, below and above its range.
func TestDenseBucketsMatchTokenLookup(t *testing.T) {
	s := &Schema{Fields: []Field{{Name: "i", Type: Numeric, Normalizer: CriteoLog2, OOVBuckets: 3}}}
	var rows [][]string
	for _, v := range []string{"-1", "0", "1", "2", "5", "40", "300", "300", ""} {
		rows = append(rows, []string{v})
	}
	e := fit(t, s, []string{"i"}, rows)
	r, _ := e.Bind([]string{"i"})
	if r.ops[0].dense == nil {
		t.Fatal("no dense table built")
	}
	slow := *r
	slow.ops = slices.Clone(r.ops)
	slow.ops[0].dense = nil
	ex, ex2 := e.NewExample(), e.NewExample()
	for _, v := range []string{"-5", "-2", "-1", "0", "1", "2", "3", "5", "7", "40", "41", "300", "1e9", "", "2.5", "-1.5"} {
		if err := r.Encode([][]byte{[]byte(v)}, ex); err != nil {
			t.Fatal(err)
		}
		if err := slow.Encode([][]byte{[]byte(v)}, ex2); err != nil {
			t.Fatal(err)
		}
		if ex.IDs[0] != ex2.IDs[0] {
			t.Errorf("%q: dense id %d, token lookup %d", v, ex.IDs[0], ex2.IDs[0])
		}
	}
}

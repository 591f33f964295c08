package feature

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func encodeAll(t testing.TB, e *Encoders, columns []string, rows [][]string) []Example {
	t.Helper()
	r, err := e.Bind(columns)
	if err != nil {
		t.Fatal(err)
	}
	var out []Example
	for i, row := range rows {
		ex := e.NewExample()
		if err := r.Encode(cols(row), ex); err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
		out = append(out, *ex)
	}
	return out
}

func TestEncodeSmall(t *testing.T) {
	e := fit(t, smallSchema(), smallColumns, smallRows)
	got := encodeAll(t, e, smallColumns, append(slices.Clone(smallRows), []string{"1", "3", "zz", "q|y", "q"}))
	sd := math.Sqrt(14) / 3
	// Ids: n 1; c OOV 2, a 3; item OOV 4, y 5, x 6, z 7, w 8.
	want := []struct {
		label float32
		ids   []int32
		n     float64
		seq   []int32
		len   int32
	}{
		{1, []int32{1, 3, 6}, (1 - 8.0/3) / sd, []int32{6, 5, 0}, 2},
		{0, []int32{1, 2, 5}, (3 - 8.0/3) / sd, []int32{5, 0, 0}, 1},
		{1, []int32{1, 3, 7}, 0, []int32{0, 0, 0}, 0},                // n missing → mean → 0
		{0, []int32{1, 2, 5}, (4 - 8.0/3) / sd, []int32{6, 7, 8}, 3}, // keeps the last 3
		{1, []int32{1, 2, 4}, (3 - 8.0/3) / sd, []int32{4, 5, 0}, 2}, // unseen → OOV
	}
	for i, w := range want {
		g := got[i]
		if g.Label != w.label || !g.HasLabel || !slices.Equal(g.IDs, w.ids) || !slices.Equal(g.Seq, w.seq) || g.SeqLens[0] != w.len {
			t.Errorf("row %d: %+v, want label %v ids %v seq %v len %d", i+1, g, w.label, w.ids, w.seq, w.len)
		}
		if math.Abs(float64(g.Values[0])-w.n) > 1e-6 || g.Values[1] != 1 || g.Values[2] != 1 {
			t.Errorf("row %d: values %v, want [%v 1 1]", i+1, g.Values, w.n)
		}
	}
}

func TestSequencePaddingAndTruncation(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	vocab, _ := NewVocab(items, nil)
	for _, c := range []struct {
		pad   Padding
		trunc Truncate
		in    string
		want  []int32
	}{
		// Table at offset 1: OOV 1, a 2, b 3, c 4, d 5, e 6.
		{PadEnd, KeepLast, "a,b", []int32{2, 3, 0, 0}},
		{PadStart, KeepLast, "a,b", []int32{0, 0, 2, 3}},
		{PadEnd, KeepLast, "a,b,c,d,e", []int32{3, 4, 5, 6}},
		{PadEnd, KeepFirst, "a,b,c,d,e", []int32{2, 3, 4, 5}},
		{PadStart, KeepFirst, "e,zz,a,b,c", []int32{6, 1, 2, 3}},
		{PadStart, KeepLast, "c", []int32{0, 0, 0, 4}},
		{PadEnd, KeepLast, "a,b,c,d", []int32{2, 3, 4, 5}},
	} {
		s := &Schema{Fields: []Field{{Name: "s", Type: Sequence, MaxLen: 4, Separator: ",", Padding: c.pad, Truncate: c.trunc}}}
		e, err := NewEncoders(s, map[string]*Vocab{"s": vocab}, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := encodeAll(t, e, []string{"s"}, [][]string{{c.in}})[0]
		n := int32(min(4, strings.Count(c.in, ",")+1))
		if !slices.Equal(g.Seq, c.want) || g.SeqLens[0] != n {
			t.Errorf("%s/%s %q: seq %v len %d, want %v len %d", c.pad, c.trunc, c.in, g.Seq, g.SeqLens[0], c.want, n)
		}
	}
}

func TestMissingPolicies(t *testing.T) {
	s := &Schema{Fields: []Field{
		{Name: "v", Type: Categorical},
		{Name: "o", Type: Categorical, Missing: MissingOOV},
		{Name: "p", Type: Categorical, Missing: MissingPad},
		{Name: "f", Type: Numeric, Missing: MissingFill, Fill: -1},
		{Name: "m", Type: Numeric, Normalizer: MinMax},
		{Name: "l", Type: Numeric, Normalizer: Log1p},
	}}
	columns := []string{"v", "o", "p", "f", "m", "l"}
	e := fit(t, s, columns, [][]string{{"", "a", "a", "1", "2", "0"}, {"a", "a", "a", "1", "6", "0"}})
	// v: OOV 1, "" and a (count 1 each, "" < a): 2, 3. o: OOV 4, a 5. p: OOV 6, a 7.
	// Numerics f 8, m 9, l 10.
	g := encodeAll(t, e, columns, [][]string{{"", "", "", "", "", ""}, {"a", "b", "b", "3", "5", "-3"}})
	if w := []int32{2, 4, 0, 8, 9, 10}; !slices.Equal(g[0].IDs, w) {
		t.Errorf("missing ids %v, want %v", g[0].IDs, w)
	}
	// Missing numerics fill 0 (m: (0-2)/4 = -0.5) and -1 (f); l: log1p(0).
	if w := []float32{1, 1, 1, -1, -0.5, 0}; !slices.Equal(g[0].Values, w) {
		t.Errorf("missing values %v, want %v", g[0].Values, w)
	}
	if w := []int32{3, 4, 6, 8, 9, 10}; !slices.Equal(g[1].IDs, w) {
		t.Errorf("ids %v, want %v", g[1].IDs, w)
	}
	// m: (5-2)/4; l: a negative clamps to log1p(0) = 0.
	if w := []float32{1, 1, 1, 3, 0.75, 0}; !slices.Equal(g[1].Values, w) {
		t.Errorf("values %v, want %v", g[1].Values, w)
	}
	r, _ := e.Bind(columns)
	ex := e.NewExample()
	if err := r.Encode(cols([]string{"a", "a", "a", "1", "2", "1.718281828459045"}), ex); err != nil || math.Abs(float64(ex.Values[5])-1) > 1e-7 {
		t.Errorf("log1p(e-1) = %v (%v), want 1", ex.Values[5], err)
	}
}

func TestOOVBucketsAndHashing(t *testing.T) {
	s := &Schema{HashSeed: 7, Fields: []Field{
		{Name: "c", Type: Categorical, OOVBuckets: 4},
		{Name: "h", Type: Categorical, HashBuckets: 1000},
		{Name: "g", Type: Group},
	}}
	columns := []string{"c", "h", "g"}
	e := fit(t, s, columns, [][]string{{"a", "x", "u1"}})
	// c: OOV ids 1..4, a 5; h: [6, 1006).
	r, _ := e.Bind(columns)
	ex := e.NewExample()
	seen := map[int32]bool{}
	for i := range 200 {
		v := []byte{byte('A' + i%26), byte('0' + i/26)}
		if err := r.Encode([][]byte{v, v, []byte("u1")}, ex); err != nil {
			t.Fatal(err)
		}
		if ex.IDs[0] < 1 || ex.IDs[0] > 4 {
			t.Fatalf("unseen %q got id %d, want an OOV id in [1,4]", v, ex.IDs[0])
		}
		if want := 6 + int32(Hash(7, v)%1000); ex.IDs[1] != want {
			t.Fatalf("hashed %q got %d, want %d", v, ex.IDs[1], want)
		}
		seen[ex.IDs[0]] = true
	}
	if len(seen) != 4 {
		t.Errorf("200 unseen values used OOV ids %v, want all 4", seen)
	}
	if ex.Group != Hash(7, []byte("u1")) {
		t.Errorf("group %#x", ex.Group)
	}
	// A hashed field needs no fit: encoders build without vocabularies.
	hs := &Schema{Fields: []Field{{Name: "h", Type: Categorical, HashBuckets: 10}}}
	he, err := NewEncoders(hs, nil, nil)
	if err != nil || he.Rows() != 11 {
		t.Errorf("hash-only encoders: rows %d, %v; want 11", he.Rows(), err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s, err := LoadSchema("testdata/din.yaml")
	if err != nil {
		t.Fatal(err)
	}
	columns := []string{"clk", "user_id", "hist_items", "hist_cats", "item", "cat", "price"}
	rows := [][]string{
		{"1", "u1", "i1|i2|i3", "c1|c1|c2", "i4", "c2", "9.5"},
		{"0", "u1", "i1|i2|i3|i4|i5", "c1|c1|c2|c2|c3", "i2", "c1", ""},
		{"1", "u2", "", "", "i1", "", "3"},
		{"0", "u2", "i1", "c1", "i6", "c9", "12.25"},
	}
	e := fit(t, s, columns, rows)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back Encoders
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if !bytes.Equal(b, b2) {
		t.Errorf("re-serialized encoders differ:\n%s\n%s", b, b2)
	}
	g1, g2 := encodeAll(t, e, columns, rows), encodeAll(t, &back, columns, rows)
	for i := range g1 {
		a, c := g1[i], g2[i]
		if a.Label != c.Label || a.Group != c.Group || !slices.Equal(a.IDs, c.IDs) || !slices.Equal(a.Values, c.Values) || !slices.Equal(a.Seq, c.Seq) || !slices.Equal(a.SeqLens, c.SeqLens) {
			t.Errorf("row %d encodes differently after the round trip:\n%+v\n%+v", i+1, a, c)
		}
	}
	// History and candidate share ids: i1 in a history and as the candidate.
	if g1[0].Seq[0] != g1[2].IDs[1] {
		t.Errorf("i1 has history id %d but candidate id %d", g1[0].Seq[0], g1[2].IDs[1])
	}
	// Missing cat → OOV (missing: oov), the cat table's first id.
	if off := back.Tables()[2].Offset; g1[2].IDs[2] != off {
		t.Errorf("missing cat got %d, want the OOV id %d", g1[2].IDs[2], off)
	}
}

func TestVocabJSONKeepsInvalidUTF8(t *testing.T) {
	v, _ := NewVocab([]string{"ok", "\xff\xfe", ""}, []int64{3, 2, 1})
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back Vocab
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Tokens, v.Tokens) || !slices.Equal(back.Counts, v.Counts) {
		t.Errorf("round trip %q %v, want %q %v", back.Tokens, back.Counts, v.Tokens, v.Counts)
	}
	if id, ok := back.Lookup([]byte("\xff\xfe")); !ok || id != 1 {
		t.Errorf("lookup after round trip = %d, %v", id, ok)
	}
}

func TestUnmarshalRejectsBadEncoders(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"version":3}`, "format version 3"},
		{`{"version":0}`, "format version 0"},
		{`{"version":1,"schema":{"fields":[{"name":"a","type":"categorical"}]},"vocabs":{}}`, `no vocabulary for table "a"`},
		{`{"version":1,"schema":{"fields":[{"name":"a","type":"categorical"}]},"vocabs":{"a":{"tokens":["x","x"]}}}`, `token "x" appears twice`},
		{`{"version":1,"schema":{"fields":[{"name":"a","type":"numeric","normalizer":"standardize"}]}}`, `no statistics for numeric field "a"`},
		{`{"version":1,"schema":{"fields":[{"name":"a","type":"bogus"}]}}`, `unknown type "bogus"`},
	} {
		var e Encoders
		err := json.Unmarshal([]byte(c.in), &e)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Unmarshal(%s) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	e := fit(t, smallSchema(), smallColumns, smallRows)
	r, _ := e.Bind(smallColumns)
	ex := e.NewExample()
	for _, c := range []struct {
		row  []string
		want string
	}{
		{[]string{"1"}, "feature: record has 1 columns, want 5"},
		{[]string{"1.x", "1", "a", "x", "x"}, `field "label" (column 1): expected a numeric label, found "1.x"`},
		{[]string{"1", "NaN", "a", "x", "x"}, `field "n" (column 2): expected a number, found "NaN"`},
		{[]string{"1", "1", "a", "|x", "x"}, `field "hist" (column 4): element 1 of the sequence is empty, found "|x"`},
		{[]string{"1", "1e300", "a", "x", "x"}, `field "n" (column 2): expected a number within float32 range after normalization, found "1e300"`},
	} {
		if err := r.Encode(cols(c.row), ex); err == nil || err.Error() != c.want {
			t.Errorf("Encode(%q) = %v, want %s", c.row, err, c.want)
		}
	}
	if err := r.Encode(cols(smallRows[0]), &Example{}); err == nil {
		t.Error("an Example of the wrong shape was accepted")
	}
	// Serving binds without the label.
	sr, err := e.BindFeatures([]string{"item", "hist", "c", "n"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.Encode(cols([]string{"x", "y|x", "a", "1"}), ex); err != nil || ex.HasLabel || !slices.Equal(ex.IDs, []int32{1, 3, 6}) {
		t.Errorf("serving encode: %+v, %v", ex, err)
	}
	if _, err := e.Bind([]string{"item", "hist", "c", "n"}); err == nil {
		t.Error("Bind without the label column was accepted")
	}
}

func TestEncodeAllocatesNothing(t *testing.T) {
	s, err := LoadSchema("testdata/din.yaml")
	if err != nil {
		t.Fatal(err)
	}
	columns := []string{"clk", "user_id", "hist_items", "hist_cats", "item", "cat", "price"}
	rows := [][]string{{"1", "u1", "i1|i2|i3", "c1|c1|c2", "i4", "c2", "9.5"}, {"0", "u2", "i9|i1", "c7|c1", "i7", "", "1.25e1"}}
	e := fit(t, s, columns, rows[:1])
	r, _ := e.Bind(columns)
	ex := e.NewExample()
	recs := [][][]byte{cols(rows[0]), cols(rows[1])}
	allocs := testing.AllocsPerRun(100, func() {
		for _, rec := range recs {
			if err := r.Encode(rec, ex); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Encode allocates %v times per call", allocs)
	}
}

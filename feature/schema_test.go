package feature

import (
	"strings"
	"testing"
)

func TestLoadCriteoSchema(t *testing.T) {
	s, err := LoadSchema("testdata/criteo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Fields) != 40 {
		t.Fatalf("%d fields, want 40 (label, 13 numeric, 26 categorical)", len(s.Fields))
	}
	if f := s.Fields[0]; f.Name != "label" || f.Type != Label {
		t.Errorf("field 1 = %+v, want the label", f)
	}
	if f := s.Fields[1]; f.Name != "I1" || f.Type != Numeric || f.Normalizer != CriteoLog2 || f.MinCount != 2 {
		t.Errorf("field 2 = %+v, want I1 numeric criteo_log2 min_count 2", f)
	}
	if f := s.Fields[39]; f.Name != "C26" || f.Type != Categorical || f.MinCount != 2 {
		t.Errorf("field 40 = %+v, want C26 categorical min_count 2", f)
	}
	d := s.withDefaults()
	if f := d.Fields[14]; f.Column != "C1" || f.EmbeddingDim != 16 || f.OOVBuckets != 1 || f.Source != Context || f.Missing != MissingValue {
		t.Errorf("C1 with defaults = %+v", f)
	}
}

func TestLoadDINSchema(t *testing.T) {
	s, err := LoadSchema("testdata/din.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.HashSeed != 42 || len(s.Fields) != 8 {
		t.Fatalf("seed %d, %d fields; want 42 and 8", s.HashSeed, len(s.Fields))
	}
	h := s.Fields[3]
	if h.Name != "hist_items" || h.Type != Sequence || h.Share != "item" || h.MaxLen != 4 || h.Separator != "|" || h.Padding != PadEnd || h.Truncate != KeepLast || h.Source != User {
		t.Errorf("hist_items = %+v", h)
	}
	if u := s.Fields[1]; u.Type != Group || u.Column != "user_id" {
		t.Errorf("uid = %+v", u)
	}
	if p := s.Fields[7]; p.Normalizer != Standardize || p.Missing != MissingMean {
		t.Errorf("price = %+v", p)
	}
}

func TestParseSchemaUnknownKey(t *testing.T) {
	src := "fields:\n  - name: a\n    type: categorical\n    min_cuont: 3\n"
	_, err := ParseSchema([]byte(src))
	if err == nil {
		t.Fatal("a misspelt key was accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, "min_cuont") || !strings.Contains(msg, " 4:5: ") {
		t.Errorf("error %q should name the key and its line 4", msg)
	}
	if _, err := ParseSchema([]byte("fieldz: []\n")); err == nil {
		t.Error("an unknown top-level key was accepted")
	}
	if _, err := ParseSchema([]byte("fields: [\n")); err == nil {
		t.Error("malformed YAML was accepted")
	}
}

func TestValidateErrors(t *testing.T) {
	cat := func(name string) Field { return Field{Name: name, Type: Categorical} }
	cases := []struct {
		name   string
		fields []Field
		want   string
	}{
		{"no fields", nil, "no fields"},
		{"unknown type", []Field{{Name: "a", Type: "categorial"}}, `unknown type "categorial"`},
		{"missing type", []Field{{Name: "a"}}, "type is missing"},
		{"empty name", []Field{{Type: Categorical}}, "name is empty"},
		{"duplicate", []Field{cat("a"), cat("a")}, "duplicate name (also field 1)"},
		{"hash and min_count", []Field{{Name: "a", Type: Categorical, HashBuckets: 10, MinCount: 2}}, "hash_buckets and min_count are both set"},
		{"hash and oov", []Field{{Name: "a", Type: Categorical, HashBuckets: 10, OOVBuckets: 2}}, "hash_buckets and oov_buckets are both set"},
		{"negative min_count", []Field{{Name: "a", Type: Categorical, MinCount: -1}}, "min_count -1 is negative"},
		{"source", []Field{{Name: "a", Type: Categorical, Source: "shop"}}, `unknown source "shop"`},
		{"normalizer on categorical", []Field{{Name: "a", Type: Categorical, Normalizer: Log1p}}, "normalizer applies to numeric fields only"},
		{"unknown normalizer", []Field{{Name: "a", Type: Numeric, Normalizer: "zscore"}}, `unknown normalizer "zscore"`},
		{"min_count on numeric", []Field{{Name: "a", Type: Numeric, MinCount: 3}}, "min_count applies to categorical"},
		{"sequence without max_len", []Field{{Name: "a", Type: Sequence}}, "needs max_len"},
		{"long separator", []Field{{Name: "a", Type: Sequence, MaxLen: 3, Separator: "||"}}, "exactly one byte"},
		{"max_len on categorical", []Field{{Name: "a", Type: Categorical, MaxLen: 3}}, "apply to sequence fields only"},
		{"padding", []Field{{Name: "a", Type: Sequence, MaxLen: 3, Padding: "left"}}, `unknown padding "left"`},
		{"two labels", []Field{{Name: "a", Type: Label}, {Name: "b", Type: Label}}, "2 label fields"},
		{"two groups", []Field{{Name: "a", Type: Group}, {Name: "b", Type: Group}}, "2 group fields"},
		{"missing label policy", []Field{{Name: "a", Type: Label, Missing: MissingFill}}, "missing: fill applies to numeric"},
		{"mean on categorical", []Field{{Name: "a", Type: Categorical, Missing: MissingMean}}, "missing: mean applies to numeric"},
		{"oov on hashed", []Field{{Name: "a", Type: Categorical, HashBuckets: 4, Missing: MissingOOV}}, "no OOV id"},
		{"unknown missing", []Field{{Name: "a", Type: Categorical, Missing: "drop"}}, `unknown missing policy "drop"`},
		{"share disagree", []Field{{Name: "a", Type: Categorical, Share: "t", MinCount: 2}, {Name: "b", Type: Sequence, MaxLen: 2, Share: "t"}}, `field "b" shares "t" with "a"`},
		{"share name clash", []Field{cat("t"), {Name: "b", Type: Categorical, Share: "t"}}, `table name "t" is used both`},
		{"share on numeric", []Field{{Name: "a", Type: Numeric, Share: "t"}}, "share applies to"},
		{"dim on label", []Field{{Name: "a", Type: Label, EmbeddingDim: 4}}, "embedding_dim does not apply"},
	}
	for _, c := range cases {
		s := Schema{Fields: c.fields}
		err := s.Validate()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	s := Schema{Fields: []Field{{Name: "a", Type: "x"}, {Name: "b", Type: Categorical, MinCount: -2}}}
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), `field 1 ("a")`) || !strings.Contains(err.Error(), `field 2 ("b")`) {
		t.Errorf("error %v should name both bad fields", err)
	}
}

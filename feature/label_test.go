package feature

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func ptr(x float64) *float64 { return &x }

// labels fits s on rows (the label first, then one categorical) and
// returns each row's encoded label.
func labels(t *testing.T, s *Schema, rows [][]string) []float32 {
	t.Helper()
	columns := []string{"y", "c"}
	var out []float32
	for _, ex := range encodeAll(t, fit(t, s, columns, rows), columns, rows) {
		if !ex.HasLabel {
			t.Fatal("no label encoded")
		}
		out = append(out, ex.Label)
	}
	return out
}

func labelSchema(y Field) *Schema {
	y.Name, y.Type = "y", Label
	return &Schema{Fields: []Field{y, {Name: "c", Type: Categorical}}}
}

func column(vals ...string) [][]string {
	rows := make([][]string, len(vals))
	for i, v := range vals {
		rows[i] = []string{v, "a"}
	}
	return rows
}

func TestClickAbove(t *testing.T) {
	for _, c := range []struct {
		name  string
		above float64
		raw   []string
		want  []float32
	}{
		// Ratings ≥ 4 are clicks; a value equal to the threshold is not.
		{"ratings", 3.5, []string{"1", "2", "3", "4", "5", "3.5", "3.51"}, []float32{0, 0, 0, 1, 1, 0, 1}},
		{"plus/minus one", 0, []string{"-1", "1", "+1", "-1.0"}, []float32{0, 1, 1, 0}},
		{"already 0/1", 0, []string{"0", "1", "1", "0"}, []float32{0, 1, 1, 0}},
		{"negative threshold", -2, []string{"-3", "-2", "-1.5"}, []float32{0, 0, 1}},
	} {
		got := labels(t, labelSchema(Field{ClickAbove: ptr(c.above)}), column(c.raw...))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: click_above %v on %q = %v, want %v", c.name, c.above, c.raw, got, c.want)
		}
	}
	// Without the option the label is the number itself.
	if got := labels(t, labelSchema(Field{}), column("-1", "4", "2.5")); !slices.Equal(got, []float32{-1, 4, 2.5}) {
		t.Errorf("plain label = %v", got)
	}
}

func TestPositiveLabels(t *testing.T) {
	s := labelSchema(Field{Positive: []string{">50K", ">50K."}})
	got := labels(t, s, column("<=50K", ">50K", "<=50K.", ">50K.", " >50K", ">50k"))
	// Values compare exactly: a leading space or another case is not one
	// of the listed values.
	if want := []float32{0, 1, 0, 1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("positive labels = %v, want %v", got, want)
	}
	// Numbers are raw values too: "1.0" is not "1".
	if got := labels(t, labelSchema(Field{Positive: []string{"1"}}), column("1", "1.0", "0", "2")); !slices.Equal(got, []float32{1, 0, 0, 0}) {
		t.Errorf("positive [1] = %v", got)
	}
}

func TestLabelOptionErrors(t *testing.T) {
	columns := []string{"y", "c"}
	// A threshold needs a number, in fitting and in encoding.
	ft, _ := NewFitter(labelSchema(Field{ClickAbove: ptr(3.5)}), columns)
	if err := ft.Observe(cols([]string{"four", "a"})); err == nil || !strings.Contains(err.Error(), `field "y" (column 1): expected a numeric label, found "four"`) {
		t.Errorf("fitting a non-numeric label under click_above: %v", err)
	}
	e := fit(t, labelSchema(Field{ClickAbove: ptr(3.5)}), columns, column("4"))
	r, _ := e.Bind(columns)
	ex := e.NewExample()
	if err := r.Encode(cols([]string{"x", "a"}), ex); err == nil || !strings.Contains(err.Error(), "expected a numeric label") {
		t.Errorf("encoding a non-numeric label under click_above: %v", err)
	}
	// A missing label is an error under either option.
	for _, y := range []Field{{ClickAbove: ptr(0)}, {Positive: []string{"yes"}}} {
		ft, _ := NewFitter(labelSchema(y), columns)
		if err := ft.Observe(cols([]string{"", "a"})); err == nil || !strings.Contains(err.Error(), "a value is required") {
			t.Errorf("%+v: a missing label gave %v", y, err)
		}
	}
}

func TestLabelOptionValidation(t *testing.T) {
	for _, c := range []struct {
		name  string
		field Field
		want  string
	}{
		{"click_above on categorical", Field{Name: "a", Type: Categorical, ClickAbove: ptr(1)}, "apply to label fields only, not categorical"},
		{"positive on numeric", Field{Name: "a", Type: Numeric, Positive: []string{"x"}}, "apply to label fields only, not numeric"},
		{"both", Field{Name: "a", Type: Label, ClickAbove: ptr(0), Positive: []string{"x"}}, "click_above and positive are both set"},
		{"NaN", Field{Name: "a", Type: Label, ClickAbove: ptr(math.NaN())}, "click_above NaN is not a finite number"},
		{"Inf", Field{Name: "a", Type: Label, ClickAbove: ptr(math.Inf(1))}, "is not a finite number"},
		{"empty list", Field{Name: "a", Type: Label, Positive: []string{}}, "positive lists no value"},
		{"empty value", Field{Name: "a", Type: Label, Positive: []string{"x", ""}}, "positive value 2 is empty"},
	} {
		s := Schema{Fields: []Field{c.field}}
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	ok := Schema{Fields: []Field{{Name: "a", Type: Label, ClickAbove: ptr(0)}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("click_above 0: %v", err)
	}
}

func TestLabelOptionsYAML(t *testing.T) {
	s, err := ParseSchema([]byte("fields:\n  - name: y\n    type: label\n    click_above: 0\n  - name: c\n    type: categorical\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := s.Fields[0].ClickAbove; a == nil || *a != 0 {
		t.Fatalf("click_above: 0 parsed as %v", a)
	}
	s, err = ParseSchema([]byte("fields:\n  - name: y\n    type: label\n    positive: [\">50K\", \">50K.\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Fields[0].Positive; len(p) != 2 || p[0] != ">50K" || p[1] != ">50K." {
		t.Fatalf("positive parsed as %q", p)
	}
	if _, err := ParseSchema([]byte("fields:\n  - name: y\n    type: label\n    click_above: 1\n    positive: [a]\n")); err == nil {
		t.Error("both options were accepted")
	}
}

func TestLabelOptionsJSON(t *testing.T) {
	columns := []string{"y", "c"}
	rows := column("-1", "1", "1")
	for _, c := range []struct {
		y    Field
		json string
	}{{Field{ClickAbove: ptr(0)}, `"click_above":0`}, {Field{Positive: []string{"1"}}, `"positive":["1"]`}} {
		y := c.y
		e := fit(t, labelSchema(y), columns, rows)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(c.json)) {
			t.Errorf("the label option is not serialized as %s: %s", c.json, b)
		}
		var back Encoders
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(&back)
		if !bytes.Equal(b, b2) {
			t.Errorf("re-serialized encoders differ:\n%s\n%s", b, b2)
		}
		for i, ex := range encodeAll(t, &back, columns, rows) {
			if want := float32(min(i, 1)); ex.Label != want {
				t.Errorf("%+v: row %d label %v after the round trip, want %v", y, i+1, ex.Label, want)
			}
		}
	}
	// Encoders written before the options existed still load, with the
	// label taken as it is.
	old := `{"version":1,"schema":{"embedding_dim":8,"fields":[{"name":"y","type":"label","column":"y","source":"context","missing":"error"},` +
		`{"name":"c","type":"categorical","column":"c","source":"context","min_count":1,"oov_buckets":1,"embedding_dim":8,"missing":"value"}]},` +
		`"vocabs":{"c":{"tokens":["a"],"counts":[3]}},"stats":{}}`
	var e Encoders
	if err := json.Unmarshal([]byte(old), &e); err != nil {
		t.Fatal(err)
	}
	got := encodeAll(t, &e, columns, rows)
	if got[0].Label != -1 || got[1].Label != 1 {
		t.Errorf("old encoders: labels %v %v, want -1 1", got[0].Label, got[1].Label)
	}
}

func TestLabelOptionsAreCopied(t *testing.T) {
	s := labelSchema(Field{ClickAbove: ptr(3.5)})
	s2 := labelSchema(Field{Positive: []string{"yes"}})
	columns := []string{"y", "c"}
	e := fit(t, s, columns, column("4"))
	e2 := fit(t, s2, columns, column("yes"))
	*s.Fields[0].ClickAbove = 10 // editing the caller's schema afterwards …
	s2.Fields[0].Positive[0] = "no"
	// … changes nothing in the fitted encoders.
	if got := encodeAll(t, e, columns, column("4")); got[0].Label != 1 {
		t.Error("the encoders alias the schema's click_above")
	}
	if got := encodeAll(t, e2, columns, column("yes")); got[0].Label != 1 {
		t.Error("the encoders alias the schema's positive values")
	}
}

func TestPositiveLabelAllocatesNothing(t *testing.T) {
	columns := []string{"y", "c"}
	e := fit(t, labelSchema(Field{Positive: []string{">50K", ">50K."}}), columns, column(">50K"))
	r, _ := e.Bind(columns)
	ex := e.NewExample()
	recs := [][][]byte{cols([]string{"<=50K.", "a"}), cols([]string{">50K.", "b"})}
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

// Encoders written today carry format version 2, so a build that knows
// only version 1 (and would drop the label options) refuses them.
func TestEncodersWriteVersion2(t *testing.T) {
	s, err := ParseSchema([]byte("fields:\n  - {name: y, type: label, click_above: 0}\n  - {name: a, type: categorical, hash_buckets: 4}\n"))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := NewEncoders(s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(enc)
	if err != nil || !bytes.HasPrefix(b, []byte(`{"version":2,`)) {
		t.Fatalf("encoders JSON %.40s…, %v", b, err)
	}
}

package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
)

// insFile writes lines to name in a temporary directory and returns its
// path.
func insFile(t *testing.T, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mixedCSV writes 120 rows whose statistics are worked out by hand in
// TestInspectCSV.
func mixedCSV(t *testing.T) string {
	lines := []string{"id,click,count,price,color,small,item_id,const"}
	for i := range 120 {
		click := 0
		if i%4 == 0 {
			click = 1
		}
		price := ""
		if i%10 != 0 {
			price = fmt.Sprint(float64(i%40) - 10.5)
		}
		color := []string{"red", "green", ""}[i%3]
		lines = append(lines, fmt.Sprintf("u%d,%d,%d,%s,%s,%d,%d,x", i, click, i/2, price, color, i%5, 1000+i%50))
	}
	return insFile(t, "mixed.csv", lines)
}

func insColumn(t *testing.T, ins *Inspection, name string) ColumnStats {
	t.Helper()
	for _, c := range ins.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %q among %+v", name, ins.Columns)
	return ColumnStats{}
}

func insNote(ins *Inspection, parts ...string) bool {
	for _, n := range ins.Notes {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(n, p)
		}
		if all {
			return true
		}
	}
	return false
}

func insNear(a, b float64) bool { return math.Abs(a-b) <= 1e-12*max(1, math.Abs(b)) }

func TestInspectCSV(t *testing.T) {
	path := mixedCSV(t)
	spec := "csv:" + path
	ins, err := Inspect(context.Background(), spec, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Rows != 120 || ins.Skipped != 0 || ins.Truncated {
		t.Fatalf("rows %d, skipped %d, truncated %v; want 120, 0, false", ins.Rows, ins.Skipped, ins.Truncated)
	}
	// click is 1 on rows 0, 4, …, 116: 30 of 120.
	want := &LabelStats{Column: "click", Values: 120, Numeric: true, Mean: 0.25, Binary: true, Positives: 30, PositiveRate: 0.25}
	if !reflect.DeepEqual(ins.Label, want) {
		t.Fatalf("label %+v, want %+v", ins.Label, want)
	}
	// count is i/2: 0,0,1,1,…,59,59.
	c := insColumn(t, ins, "count")
	if c.Missing != 0 || c.Distinct != 60 || c.Numeric == nil || *c.Numeric != (NumericSummary{Min: 0, Max: 59, Mean: 29.5, Integer: true}) {
		t.Fatalf("count: %+v %+v", c, c.Numeric)
	}
	// price is empty on the 12 rows i%10 == 0; the others take each of the
	// 36 residues i%40 ∉ {0,10,20,30} three times, whose mean is
	// (780-60)/36 = 20, less 10.5.
	c = insColumn(t, ins, "price")
	if c.Missing != 12 || c.Distinct != 36 || c.Numeric == nil || c.Numeric.Integer ||
		c.Numeric.Min != -9.5 || c.Numeric.Max != 28.5 || !insNear(c.Numeric.Mean, 9.5) {
		t.Fatalf("price: %+v %+v", c, c.Numeric)
	}
	// color: red on i%3 == 0, green on 1, empty on 2; 40 each. Ties list
	// in byte order.
	c = insColumn(t, ins, "color")
	wantTop := []ValueCount{{"green", 40}, {"red", 40}}
	if c.Missing != 40 || c.Distinct != 2 || c.Numeric != nil || !reflect.DeepEqual(c.Top, wantTop) || c.TopPartial {
		t.Fatalf("color: %+v", c)
	}
	if c := insColumn(t, ins, "id"); c.Distinct != 120 || c.Numeric != nil {
		t.Fatalf("id: %+v", c)
	}
	if c := insColumn(t, ins, "const"); c.Distinct != 1 || !reflect.DeepEqual(c.Top, []ValueCount{{"x", 120}}) {
		t.Fatalf("const: %+v", c)
	}

	wantSchema := &feature.Schema{Name: "mixed", EmbeddingDim: 10, Fields: []feature.Field{
		{Name: "click", Type: feature.Label},
		{Name: "count", Type: feature.Numeric, Normalizer: feature.CriteoLog2, MinCount: 2},
		{Name: "price", Type: feature.Numeric, Normalizer: feature.Standardize, Missing: feature.MissingMean},
		{Name: "color", Type: feature.Categorical, MinCount: 1},
		{Name: "small", Type: feature.Categorical, MinCount: 1}, // 5 distinct numbers
		{Name: "item_id", Type: feature.Categorical, MinCount: 1},
		{Name: "const", Type: feature.Categorical, MinCount: 1},
	}}
	if ins.SchemaKind != SchemaGuessed || !reflect.DeepEqual(ins.Schema, wantSchema) {
		t.Fatalf("schema (%s) %+v,\nwant %+v", ins.SchemaKind, ins.Schema, wantSchema)
	}
	for _, n := range [][]string{
		{`"id"`, "left out", "120 distinct values in 120 rows"},
		{`"item_id"`, "identifier"},
		{`"const"`, "single value"},
	} {
		if !insNote(ins, n...) {
			t.Errorf("no note with %q among %q", n, ins.Notes)
		}
	}
	// The guess fits the file it came from.
	enc, err := Fit(context.Background(), spec, ins.Schema, Options{})
	if err != nil {
		t.Fatalf("fitting the guessed schema: %v", err)
	}
	if got := enc.Slots(); !reflect.DeepEqual(got, []string{"count", "price", "color", "small", "item_id", "const"}) {
		t.Fatalf("slots %q", got)
	}
	if v := enc.Vocab("color"); v == nil || v.Len() != 3 { // red, green and the empty value
		t.Fatalf("color vocabulary %+v", v)
	}
}

func TestInspectReportAndJSON(t *testing.T) {
	ins, err := Inspect(context.Background(), "csv:"+mixedCSV(t), InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ins.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	// The table: a header and one line per column, the columns aligned.
	lines := strings.Split(text, "\n")
	h := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "COLUMN ") })
	if h < 0 {
		t.Fatalf("no table in\n%s", text)
	}
	at := strings.Index(lines[h], "DISTINCT")
	for i, c := range ins.Columns {
		l := lines[h+1+i]
		if !strings.HasPrefix(l, c.Name+" ") {
			t.Fatalf("table line %d is %q, want column %q", i+1, l, c.Name)
		}
		if want := fmt.Sprint(c.Distinct); !strings.HasPrefix(l[at:], want+" ") {
			t.Fatalf("line %q: distinct not aligned under its header (want %s at byte %d)", l, want, at)
		}
	}
	for _, want := range []string{"rows     120\n", "label    click: 30 positive of 120 (rate 0.2500)\n", "green ×40, red ×40"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// The schema is the configuration's business (pipeline.WriteInspection).
	if strings.Contains(text, "fields:") {
		t.Fatalf("the report holds a schema:\n%s", text)
	}
	// JSON round trip.
	b, err := json.Marshal(ins)
	if err != nil {
		t.Fatal(err)
	}
	var back Inspection
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, ins) {
		t.Fatalf("JSON round trip changed the inspection:\n%s", b)
	}
	for _, key := range []string{`"distinct":36`, `"positive_rate":0.25`, `"schema_kind":"guessed"`, `"normalizer":"criteo_log2"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

// A built-in schema is carried instead of a guess; malformed rows are
// counted under SkipBad.
func TestInspectBuiltin(t *testing.T) {
	lines := []string{strings.Join(data.AvazuColumns, ",")}
	for i := range 10 {
		click := 0
		if i < 3 {
			click = 1
		}
		lines = append(lines, avazuRow(fmt.Sprint(i), click, fmt.Sprint(i%2)))
	}
	lines = append(lines, avazuRow("bad", 2, "0")) // click must be 0 or 1
	spec := "avazu:" + insFile(t, "train.csv", lines)
	if _, err := Inspect(context.Background(), spec, InspectOptions{}); err == nil {
		t.Fatal("a malformed row without SkipBad: no error")
	}
	ins, err := Inspect(context.Background(), spec, InspectOptions{Read: data.ReadOptions{SkipBad: true}})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Rows != 10 || ins.Skipped != 1 {
		t.Fatalf("rows %d, skipped %d; want 10, 1", ins.Rows, ins.Skipped)
	}
	if l := ins.Label; l == nil || l.Column != "click" || l.Positives != 3 || l.PositiveRate != 0.3 {
		t.Fatalf("label %+v", ins.Label)
	}
	want, _, _ := DefaultSchema(spec)
	if ins.SchemaKind != SchemaBuiltin || !reflect.DeepEqual(ins.Schema, want) || !insNote(ins, "built-in") {
		t.Fatalf("schema %s %+v, notes %q", ins.SchemaKind, ins.Schema, ins.Notes)
	}
	var buf bytes.Buffer
	if err := ins.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "10, 1 malformed skipped") || !strings.Contains(buf.String(), "built-in one") {
		t.Fatalf("report:\n%s", buf.String())
	}
}

// A generated source has a built-in schema too.
func TestInspectSynthetic(t *testing.T) {
	ins, err := Inspect(context.Background(), "synthetic:ctr?rows=500&seed=4", InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Rows != 500 || len(ins.Columns) != 40 || ins.Label == nil || ins.Label.Column != "label" || !ins.Label.Binary ||
		ins.SchemaKind != SchemaBuiltin || ins.Schema.Name != "synthetic-ctr" {
		t.Fatalf("rows %d, %d columns, label %+v, schema %s %q", ins.Rows, len(ins.Columns), ins.Label, ins.SchemaKind, ins.Schema.Name)
	}
	var ones int64
	for _, v := range insColumn(t, ins, "label").Top {
		if v.Value == "1" {
			ones = v.Count
		}
	}
	if ins.Label.Positives != ones {
		t.Fatalf("%d positives, but the label column counts %d ones", ins.Label.Positives, ones)
	}
}

// avazuRow is one Avazu line with the given id, click and site_id.
func avazuRow(id string, click int, site string) string {
	f := []string{id, fmt.Sprint(click), "14102100", "1005", "0", site}
	for len(f) < len(data.AvazuColumns) {
		f = append(f, "a")
	}
	return strings.Join(f, ",")
}

// MaxRows stops early and says whether rows were left; from 1000 rows on
// categoricals need two occurrences.
func TestInspectMaxRows(t *testing.T) {
	lines := []string{"y,k"}
	for i := range 1500 {
		lines = append(lines, fmt.Sprintf("%d,k%d", i%2, i%7))
	}
	spec := "csv:" + insFile(t, "big.csv", lines)
	for _, tc := range []struct {
		max       int
		rows      int64
		truncated bool
		minCount  int
	}{{0, 1500, false, 2}, {1500, 1500, false, 2}, {1499, 1499, true, 2}, {999, 999, true, 1}, {1000, 1000, true, 2}} {
		ins, err := Inspect(context.Background(), spec, InspectOptions{MaxRows: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		if ins.Rows != tc.rows || ins.Truncated != tc.truncated {
			t.Errorf("MaxRows %d: rows %d, truncated %v; want %d, %v", tc.max, ins.Rows, ins.Truncated, tc.rows, tc.truncated)
		}
		// y is 0,1,0,1,…: ⌈rows/2⌉ zeros.
		if ins.Label.Positives != tc.rows/2 {
			t.Errorf("MaxRows %d: %d positives, want %d", tc.max, ins.Label.Positives, tc.rows/2)
		}
		if f := ins.Schema.Fields[1]; f.Name != "k" || f.MinCount != tc.minCount {
			t.Errorf("MaxRows %d: field %+v, want min_count %d", tc.max, f, tc.minCount)
		}
	}
}

// Distinct counting stops at MaxDistinct; the values counted keep exact
// counts.
func TestInspectDistinctCap(t *testing.T) {
	lines := []string{"v,label"}
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("w%02d,0", i%50)) // w00…w49, four times each
	}
	spec := "csv:" + insFile(t, "cap.csv", lines)
	ins, err := Inspect(context.Background(), spec, InspectOptions{MaxDistinct: 10, TopValues: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := insColumn(t, ins, "v")
	if c.Distinct != 10 || !c.DistinctCapped || !c.TopPartial || !reflect.DeepEqual(c.Top, []ValueCount{{"w00", 4}, {"w01", 4}}) {
		t.Fatalf("capped column %+v", c)
	}
	// 10 < 0.9·200: not known to be an identifier, so it stays, flagged.
	if ins.Schema.Fields[0].Name != "v" || !insNote(ins, `"v"`, "more than 10", "hash_buckets") {
		t.Fatalf("schema %+v, notes %q", ins.Schema, ins.Notes)
	}
	var buf bytes.Buffer
	if err := ins.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), " >10 ") {
		t.Fatalf("report does not show the cap:\n%s", buf.String())
	}
	// Without the cap every value counts.
	ins, err = Inspect(context.Background(), spec, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := insColumn(t, ins, "v"); c.Distinct != 50 || c.DistinctCapped || len(c.Top) != DefaultTopValues {
		t.Fatalf("uncapped column %+v", c)
	}
	// A capped count that already reaches 0.9·rows marks an identifier.
	lines = []string{"v,label"}
	for i := range 150 {
		lines = append(lines, fmt.Sprintf("w%d,0", i))
	}
	ins, err = Inspect(context.Background(), "csv:"+insFile(t, "ids.csv", lines), InspectOptions{MaxDistinct: 140})
	if err != nil {
		t.Fatal(err)
	}
	if !insNote(ins, `"v" is left out`, "more than 140") {
		t.Fatalf("notes %q", ins.Notes)
	}
}

// Labels and numbers: a non-numeric label is left out, a rating is a
// regression target, a ±1 label is binary, and only plain decimals are
// numbers.
func TestInspectLabelsAndNumbers(t *testing.T) {
	ins, err := Inspect(context.Background(), "csv:"+insFile(t, "yn.csv", []string{"Target,x", "yes,1", "no,2", "yes,3"}), InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l := ins.Label; l == nil || l.Column != "Target" || l.Numeric || l.Values != 3 {
		t.Fatalf("label %+v", ins.Label)
	}
	if len(ins.Schema.Fields) != 1 || ins.Schema.Fields[0].Name != "x" || !insNote(ins, `"Target"`, "not numeric") {
		t.Fatalf("schema %+v, notes %q", ins.Schema, ins.Notes)
	}

	ins, err = Inspect(context.Background(), "csv:"+insFile(t, "r.csv", []string{"rating,y", "4,1", "5,1", "3,1", ",1"}), InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The first label name wins; the empty rating is missing, not a 0.
	if l := ins.Label; l == nil || l.Column != "rating" || l.Binary || l.Values != 3 || l.Mean != 4 {
		t.Fatalf("label %+v", ins.Label)
	}
	if !insNote(ins, `label "rating" is empty in 1 rows`) {
		t.Fatalf("notes %q", ins.Notes)
	}

	ins, err = Inspect(context.Background(), "csv:"+insFile(t, "pm.csv", []string{"y", "-1", "1", "-1", "-1.0"}), InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l := ins.Label; !l.Binary || l.Positives != 1 || l.PositiveRate != 0.25 || l.Mean != -0.5 {
		t.Fatalf("±1 label %+v", l)
	}
	ins, err = Inspect(context.Background(), "csv:"+insFile(t, "mix.csv", []string{"y", "-1", "1", "0"}), InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l := ins.Label; l.Binary || l.Positives != 0 {
		t.Fatalf("-1/0/1 label %+v", l)
	}

	for _, tc := range []struct {
		v  string
		ok bool
	}{{"12", true}, {"-0.5", true}, {"+2", true}, {"3e-2", true}, {".5", true},
		{"430548_1007", false}, {"0x1p3", false}, {"NaN", false}, {"inf", false}, {"1e999", false}, {"-", false}, {"1 ", false}, {"", false}} {
		if _, ok := parseNumber([]byte(tc.v)); ok != tc.ok {
			t.Errorf("parseNumber(%q) ok = %v, want %v", tc.v, ok, tc.ok)
		}
	}
	// A column of codes with digit separators is text, hence categorical.
	ins, err = Inspect(context.Background(), "csv:"+insFile(t, "pid.csv", []string{"pid", "430548_1007", "430539_1007"}), InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := insColumn(t, ins, "pid"); c.Numeric != nil || ins.Schema.Fields[0].Type != feature.Categorical || !insNote(ins, "no label column") {
		t.Fatalf("pid %+v, schema %+v, notes %q", c, ins.Schema, ins.Notes)
	}
}

// A libFM file whose rows all hold the same number of index:1 tokens is
// told to read as libfm-fields, and that spec has a schema; one with a
// value other than 1 is told why it is not one-hot; libFFM gets no such
// note.
func TestInspectSparseNotes(t *testing.T) {
	path := insFile(t, "f.libfm", []string{"1 3:1 10:1", "-1 4:1 11:1.0", "1 3:1 12:1"})
	ins, err := Inspect(context.Background(), "libfm:"+path, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !insNote(ins, "every row read holds 2 index:1 tokens", "libfm-fields:"+path, "f1..f2", "trains") {
		t.Fatalf("notes %q", ins.Notes)
	}
	s, ok, err := DefaultSchema("libfm-fields:" + path)
	if err != nil || !ok || len(s.Fields) != 3 {
		t.Fatalf("the suggested spec's schema: %v, %v, %v", s, ok, err)
	}
	path = insFile(t, "g.libfm", []string{"1 3:1 10:1", "0 4:1 11:0.5"})
	if ins, err = Inspect(context.Background(), "libfm:"+path, InspectOptions{}); err != nil {
		t.Fatal(err)
	}
	if !insNote(ins, "values are not 1") || insNote(ins, "and trains") {
		t.Fatalf("notes %q", ins.Notes)
	}
	path = insFile(t, "h.ffm", []string{"1 0:3:1 1:10:1", "0 0:4:1 1:11:1"})
	if ins, err = Inspect(context.Background(), "libffm:"+path, InspectOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(ins.Notes) != 1 || !insNote(ins, "nothing trains on a libffm: source") {
		t.Fatalf("ffm notes %q", ins.Notes)
	}
}

func TestInspectSparse(t *testing.T) {
	path := insFile(t, "a.libfm", []string{"1 3:1 7:0.5", "0 2:1", "1 3:1  9:1 12:2", "0 5:1 3:1"})
	ins, err := Inspect(context.Background(), "libfm:"+path, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Tokens per row 2, 1, 3, 2; indices {2,3,5,7,9,12}.
	want := &SparseStats{TokensMin: 1, TokensMax: 3, TokensMean: 2, IndexMin: 2, IndexMax: 12, Indices: 6}
	if ins.Rows != 4 || ins.Columns != nil || !reflect.DeepEqual(ins.Sparse, want) {
		t.Fatalf("rows %d, columns %v, sparse %+v", ins.Rows, ins.Columns, ins.Sparse)
	}
	if l := ins.Label; !l.Binary || l.Positives != 2 || l.PositiveRate != 0.5 {
		t.Fatalf("label %+v", l)
	}
	// No schema, and the notes say why and what would train: not these
	// rows, which hold 1 to 3 tokens.
	if ins.Schema != nil || !insNote(ins, "nothing trains on a libfm: source") || !insNote(ins, "these rows hold 1 to 3 tokens") || insNote(ins, "and trains") {
		t.Fatalf("schema %+v, notes %q", ins.Schema, ins.Notes)
	}
	ins, err = Inspect(context.Background(), "libfm:"+path, InspectOptions{MaxDistinct: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Sparse.Indices != 3 || !ins.Sparse.IndicesCapped {
		t.Fatalf("capped sparse %+v", ins.Sparse)
	}

	path = insFile(t, "a.ffm", []string{"-1 0:3:1 4:17:1", "1 2:5:1", "-1"})
	ins, err = Inspect(context.Background(), "libffm:"+path, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = &SparseStats{FFM: true, TokensMin: 0, TokensMax: 2, TokensMean: 1, IndexMin: 3, IndexMax: 17, Indices: 3, FieldMin: 0, FieldMax: 4}
	if !reflect.DeepEqual(ins.Sparse, want) {
		t.Fatalf("ffm %+v, want %+v", ins.Sparse, want)
	}
	if l := ins.Label; !l.Binary || l.Positives != 1 {
		t.Fatalf("label %+v", l)
	}
	var buf bytes.Buffer
	if err := ins.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"field:index:value per row: min 0, max 2, mean 1", "indices  3..17, 3 distinct", "fields   0..4"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, buf.String())
		}
	}
	if _, err := json.Marshal(ins); err != nil {
		t.Fatal(err)
	}
}

// Top values are the most frequent, ties in byte order, whatever the
// order the values come in; long values are cut for display.
func TestTopValues(t *testing.T) {
	long := strings.Repeat("é", 20) // 40 bytes
	stream := strings.Fields("c a b e d b e d b d e c b d b e d c " + long + " " + long)
	// a ×1, b ×5, c ×3, d ×5, e ×4, long ×2
	tr := newTracker(100)
	for _, v := range stream {
		tr.observe([]byte(v))
	}
	cut := strings.Repeat("é", 16) + "…"
	for _, tc := range []struct {
		top  int
		want []ValueCount
	}{
		{1, []ValueCount{{"b", 5}}},
		{3, []ValueCount{{"b", 5}, {"d", 5}, {"e", 4}}},
		{10, []ValueCount{{"b", 5}, {"d", 5}, {"e", 4}, {"c", 3}, {cut, 2}, {"a", 1}}},
	} {
		if got := tr.stats("v", tc.top).Top; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("top %d: %v, want %v", tc.top, got, tc.want)
		}
	}
	if got := tr.stats("v", -1).Top; got != nil {
		t.Errorf("no top values asked, got %v", got)
	}
}

// The mean survives sums past the float64 range.
func TestMeanOverflow(t *testing.T) {
	var m meanAcc
	for _, x := range []float64{1e308, 1e308, -1e308} {
		m.add(x)
	}
	if v := m.value(); !insNear(v, 1e308/3) {
		t.Fatalf("mean %g, want %g", v, 1e308/3)
	}
	m = meanAcc{}
	for _, x := range []float64{0.1, 0.2, 0.3, 1e15, -1e15} {
		m.add(x)
	}
	if v := m.value(); !insNear(v, 0.6/5) {
		t.Fatalf("compensated mean %g, want %g", v, 0.6/5)
	}
}

func TestInspectBadSpec(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"data.csv", "expected READER:PATH"},
		{"csv:", "expected READER:PATH"},
		{"nope:data.csv", `unknown reader "nope"`},
		{"csv:" + filepath.Join(t.TempDir(), "absent.csv"), "absent.csv"},
		{"avazu:" + filepath.Join(t.TempDir(), "absent.csv"), "absent.csv"},
	} {
		_, err := Inspect(context.Background(), tc.spec, InspectOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Inspect(%q): error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
	// A file with a malformed row stops the inspection, located.
	path := insFile(t, "ragged.csv", []string{"a,b", "1,2", "3"})
	if _, err := Inspect(context.Background(), "csv:"+path, InspectOptions{}); err == nil || !strings.Contains(err.Error(), "ragged.csv:3") {
		t.Errorf("ragged CSV: error %v", err)
	}
}

// An inspection reads the real files it is meant for; skipped when the
// shared data are absent.
func TestInspectRealData(t *testing.T) {
	root := shareddata.Dir(t)
	// criteo-8k's README: 7,200 rows, 1,549 clicks; 147 distinct C1
	// values; I1 missing in 3,247 rows.
	ins, err := Inspect(context.Background(), "criteo:"+root+"/criteo-8k/train.csv", InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Rows != 7200 || ins.Label.Positives != 1549 || insColumn(t, ins, "C1").Distinct != 147 || insColumn(t, ins, "I1").Missing != 3247 || ins.SchemaKind != SchemaBuiltin {
		t.Fatalf("criteo-8k: rows %d, label %+v", ins.Rows, ins.Label)
	}
	// frappe's README: 28,860 test rows, 9,536 positive, 10 features a
	// row, indices within 0..5377.
	ins, err = Inspect(context.Background(), "libfm:"+root+"/frappe-nfm/frappe.test.libfm", InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Rows != 28860 || ins.Label.Positives != 9536 || ins.Sparse.TokensMin != 10 || ins.Sparse.TokensMax != 10 || ins.Sparse.IndexMax != 5377 {
		t.Fatalf("frappe: rows %d, label %+v, sparse %+v", ins.Rows, ins.Label, ins.Sparse)
	}
	// The guessed schema of a generic CSV fits it.
	spec := "csv:" + root + "/fixtures/deepctr/criteo_sample.txt"
	ins, err = Inspect(context.Background(), spec, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.SchemaKind != SchemaGuessed || ins.Label == nil || ins.Label.Column != "label" {
		t.Fatalf("criteo sample: %s schema, label %+v", ins.SchemaKind, ins.Label)
	}
	if _, err := Fit(context.Background(), spec, ins.Schema, Options{}); err != nil {
		t.Fatalf("fitting the guessed schema of %s: %v", spec, err)
	}
}

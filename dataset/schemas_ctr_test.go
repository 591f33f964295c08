package dataset

import (
	"context"
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

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fitBuild fits spec's built-in schema on spec and encodes each of specs
// (spec itself when none) with those encoders.
func fitBuild(t *testing.T, spec string, specs ...string) (*feature.Encoders, []*Dataset) {
	t.Helper()
	s, ok, err := DefaultSchema(spec)
	if err != nil || !ok {
		t.Fatalf("%s: built-in schema: ok %v, %v", spec, ok, err)
	}
	enc, err := Fit(context.Background(), spec, s, Options{})
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	if len(specs) == 0 {
		specs = []string{spec}
	}
	var out []*Dataset
	for i, sp := range specs {
		d, _, err := Build(context.Background(), sp, enc, filepath.Join(t.TempDir(), fmt.Sprintf("%d.cache", i)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", sp, err)
		}
		t.Cleanup(func() { d.Close() })
		out = append(out, d)
	}
	return enc, out
}

func TestDefaultSchemaCTRChoice(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, filepath.Join(dir, "a.libfm"), "-1 3:1 10:1 7:1\n1 4:1 10:1 8:1\n")
	for _, tc := range []struct{ spec, name string }{
		{"adult:adult.test", "adult"},
		{"movielens-ctr:ml-100k", "movielens-ctr"},
		{"movielens-ctr:ml-100k/u1.base", "movielens-ctr"},
		{"libfm-fields:" + p, "libfm-fields"},
	} {
		s, ok, err := DefaultSchema(tc.spec)
		if err != nil || !ok || s.Name != tc.name {
			t.Errorf("%s: %+v, ok %v, %v; want the %s schema", tc.spec, s, ok, err, tc.name)
		}
	}
	// libfm-fields reads its file's first line: label + f1..f3.
	s, _, _ := DefaultSchema("libfm-fields:" + p)
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, []string{"label", "f1", "f2", "f3"}) {
		t.Fatalf("libfm-fields schema fields %q", names)
	}
	if y := s.Fields[0]; y.Type != feature.Label || y.ClickAbove == nil || *y.ClickAbove != 0 || y.Positive != nil {
		t.Errorf("libfm-fields label %+v, want click_above 0", y)
	}
	for _, f := range s.Fields[1:] {
		if f.Type != feature.Categorical || f.MinCount != 1 {
			t.Errorf("libfm-fields field %+v, want categorical min_count 1", f)
		}
	}
	// Without its file there is no schema to build.
	if _, ok, err := DefaultSchema("libfm-fields:" + filepath.Join(dir, "nope.libfm")); err == nil || ok {
		t.Errorf("a missing libfm-fields file: ok %v, %v", ok, err)
	}
	bad := writeFile(t, filepath.Join(dir, "bad.libfm"), "1 3:2\n")
	if _, _, err := DefaultSchema("libfm-fields:" + bad); err == nil || !strings.Contains(err.Error(), "no well-formed line") {
		t.Errorf("a libfm-fields file without a good line: %v", err)
	}
}

func TestDefaultSchemaCTRContent(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		columns []string
		label   string
		ignored []string
	}{
		// fnlwgt is a census sampling weight, not a feature.
		{"adult:x", data.AdultColumns, "income_bracket", []string{"fnlwgt"}},
		// genres is a sequence the CTR models cannot read yet: genre
		// stands in for it.
		{"movielens-ctr:x", data.MovieLensCTRColumns, "rating", []string{"timestamp", "genres"}},
	} {
		s, _, err := DefaultSchema(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := feature.NewFitter(s, tc.columns); err != nil {
			t.Errorf("%s: the schema does not bind its reader's columns: %v", tc.spec, err)
		}
		var read []string
		for _, f := range s.Fields {
			if f.Type == feature.Label && f.Name != tc.label {
				t.Errorf("%s: label %q, want %q", tc.spec, f.Name, tc.label)
			}
			if f.Type == feature.Sequence {
				t.Errorf("%s: field %q is a sequence, which the CTR models do not read", tc.spec, f.Name)
			}
			read = append(read, f.Name)
		}
		for _, c := range tc.columns {
			if slices.Contains(read, c) == slices.Contains(tc.ignored, c) {
				t.Errorf("%s: column %q: read %v, want ignored %v", tc.spec, c, slices.Contains(read, c), slices.Contains(tc.ignored, c))
			}
		}
	}
	ml, _, _ := DefaultSchema("movielens-ctr:x")
	for _, f := range ml.Fields {
		want := map[string]feature.Source{"rating": "", "item": feature.Item, "genre": feature.Item, "year": feature.Item}[f.Name]
		if f.Type != feature.Label && want == "" {
			want = feature.User
		}
		if f.Source != want {
			t.Errorf("movielens-ctr field %q: source %q, want %q", f.Name, f.Source, want)
		}
	}
}

func TestDefaultSchemaLibFMFieldsFits(t *testing.T) {
	dir := t.TempDir()
	// Frappe-style ±1 labels and iPinYou-style 0/1 labels both become 0/1.
	for _, tc := range []struct {
		name, train, test  string
		labels, testLabels []float32
	}{
		{"plus/minus one", "-1 3:1 10:1\n1 4:1 10:1\n1 3:1 11:1\n", "1 3:1 12:1\n-1 5:1 10:1\n",
			[]float32{0, 1, 1}, []float32{1, 0}},
		{"zero/one", "0 3:1 10:1\n1 4:1 10:1\n0 3:1 11:1\n", "1 3:1 12:1\n0 5:1 10:1\n",
			[]float32{0, 1, 0}, []float32{1, 0}},
	} {
		train := writeFile(t, filepath.Join(dir, "train.libfm"), tc.train)
		test := writeFile(t, filepath.Join(dir, "test.libfm"), tc.test)
		enc, ds := fitBuild(t, "libfm-fields:"+train, "libfm-fields:"+train, "libfm-fields:"+test)
		// f1 holds 3, 4; f2 holds 10, 11: a vocabulary per field.
		if enc.Vocab("f1").Len() != 2 || enc.Vocab("f2").Len() != 2 {
			t.Fatalf("%s: vocabularies %d, %d; want 2, 2", tc.name, enc.Vocab("f1").Len(), enc.Vocab("f2").Len())
		}
		if d := ds[0]; d.Rows != 3 || d.Slots != 2 || !reflect.DeepEqual(d.Label, tc.labels) {
			t.Errorf("%s: train rows %d, slots %d, labels %v; want 3, 2, %v", tc.name, d.Rows, d.Slots, d.Label, tc.labels)
		}
		// The test file's unseen indices (12, 5) map to their field's OOV id.
		tables := enc.Tables()
		d := ds[1]
		if d.Rows != 2 || !reflect.DeepEqual(d.Label, tc.testLabels) || d.IDs[1] != tables[1].Offset || d.IDs[2] != tables[0].Offset {
			t.Errorf("%s: test labels %v, ids %v; want %v with OOV for 12 and 5", tc.name, d.Label, d.IDs, tc.testLabels)
		}
	}
	// A test file with fewer fields than the training file fails: the
	// encoders' field f2 has no column. (A wider one binds, its extra
	// fields unread, as any column a schema leaves undeclared.)
	train := writeFile(t, filepath.Join(dir, "train.libfm"), "1 3:1 10:1\n")
	test := writeFile(t, filepath.Join(dir, "narrow.libfm"), "1 3:1\n")
	s, _, _ := DefaultSchema("libfm-fields:" + train)
	enc, err := Fit(context.Background(), "libfm-fields:"+train, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Build(context.Background(), "libfm-fields:"+test, enc, filepath.Join(dir, "n.cache"), Options{})
	if err == nil || !strings.Contains(err.Error(), `field "f2" reads column "f2", which is not among the columns [label f1]`) {
		t.Errorf("a narrower test file: %v; want an error naming the missing column f2", err)
	}
}

func TestDefaultSchemaAdultFits(t *testing.T) {
	dir := t.TempDir()
	row := func(age, work string, gain int, hours int, label string) string {
		return fmt.Sprintf("%s, %s, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, %d, 0, %d, United-States, %s", age, work, gain, hours, label)
	}
	train := writeFile(t, filepath.Join(dir, "adult.data"), strings.Join([]string{
		row("20", "Private", 0, 40, "<=50K"),
		row("30", "?", 0, 50, ">50K"),
		row("40", "Private", 2174, 40, "<=50K"),
		row("50", "State-gov", 0, 30, ">50K"),
	}, "\n")+"\n")
	test := writeFile(t, filepath.Join(dir, "adult.test"), "|1x3 Cross validator\n"+
		row("35", "Private", 99999, 40, ">50K.")+"\n"+row("25", "Never-worked", 0, 20, "<=50K.")+"\n")
	enc, ds := fitBuild(t, "adult:"+train, "adult:"+train, "adult:"+test)
	slots := enc.Slots()
	if len(slots) != 13 {
		t.Fatalf("slots %q, want 8 categorical and 5 numeric", slots)
	}
	// workclass: Private ×2, "" (from "?") and State-gov once each.
	if v := enc.Vocab("workclass"); v.Len() != 3 {
		t.Errorf("workclass vocabulary %q, want Private, \"\" and State-gov", v.Tokens)
	}
	tr, te := ds[0], ds[1]
	if !reflect.DeepEqual(tr.Label, []float32{0, 1, 0, 1}) || !reflect.DeepEqual(te.Label, []float32{1, 0}) {
		t.Errorf("labels %v and %v, want [0 1 0 1] and [1 0] (\">50K.\" is positive)", tr.Label, te.Label)
	}
	// age is standardized with the training mean 35 and (population)
	// deviation √125; capital_gain goes through log1p.
	age, gain := slices.Index(slots, "age"), slices.Index(slots, "capital_gain")
	rows := [][]float32{make([]float32, te.Slots), make([]float32, te.Slots)}
	te.ValueRow(0, rows[0])
	te.ValueRow(1, rows[1])
	for r, want := range []float64{0 /* age 35, the mean */, (25 - 35) / math.Sqrt(125)} {
		if got := rows[r][age]; math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("test row %d: age value %v, want %v", r+1, got, want)
		}
	}
	if got := rows[0][gain]; math.Abs(float64(got)-math.Log1p(99999)) > 1e-5 {
		t.Errorf("capital_gain 99999 encodes as %v, want ln(100000) = %v", got, math.Log1p(99999))
	}
	// The cache keeps the 5 numbers alone; every categorical's value
	// reads as 1.
	numeric := []string{"age", "education_num", "capital_gain", "capital_loss", "hours_per_week"}
	if len(te.ValueSlots) != 5 || len(te.StoredValues) != 2*5 {
		t.Errorf("stored values of slots %v (%d values), want the 5 numeric slots' of 2 rows", te.ValueSlots, len(te.StoredValues))
	}
	for s, name := range slots {
		if !slices.Contains(numeric, name) && (rows[0][s] != 1 || rows[1][s] != 1) {
			t.Errorf("categorical %s has values %v and %v, want 1", name, rows[0][s], rows[1][s])
		}
	}
	// The unseen workclass Never-worked maps to OOV.
	work := slices.Index(slots, "workclass")
	if got, oov := te.IDs[te.Slots+work], enc.Tables()[work].Offset; got != oov {
		t.Errorf("unseen workclass got id %d, want the OOV id %d", got, oov)
	}
}

func TestDefaultSchemaMovieLensCTRFits(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "u.user"), "1|24|M|technician|85711\n2|53|F|other|94043\n3|24|M|writer|85001\n")
	genres := func(set ...int) string {
		f := make([]string, 19)
		for i := range f {
			f[i] = "0"
			if slices.Contains(set, i) {
				f[i] = "1"
			}
		}
		return strings.Join(f, "|")
	}
	writeFile(t, filepath.Join(dir, "u.item"), "1|Toy Story (1995)|01-Jan-1995||url|"+genres(3, 4, 5)+"\n"+
		"2|GoldenEye (1995)|01-Jan-1995||url|"+genres(1, 2, 16)+"\n"+"3|Heat|16-Dec-1995||url|"+genres(1)+"\n")
	var lines []string
	var labels []float32
	for i := range 12 {
		r := 1 + i%5
		lines = append(lines, fmt.Sprintf("%d\t%d\t%d\t%d", 1+i%3, 1+i%2, r, 880000000+i))
		labels = append(labels, float32(min(1, max(0, r-3)))) // 4 and 5 → 1
	}
	base := writeFile(t, filepath.Join(dir, "u1.base"), strings.Join(lines, "\n")+"\n")
	enc, ds := fitBuild(t, "movielens-ctr:"+base)
	d := ds[0]
	if d.Rows != 12 || d.Slots != 8 || !reflect.DeepEqual(d.Label, labels) {
		t.Fatalf("rows %d, slots %d, labels %v; want 12, 8, %v", d.Rows, d.Slots, d.Label, labels)
	}
	// Users 1 and 3 share age 24 and zip prefix 85; items 1 and 2 (the
	// only ones rated) have first genres Animation and Action, year 1995.
	for _, c := range []struct {
		table  string
		tokens []string
	}{{"age", []string{"24", "53"}}, {"zip", []string{"85", "94"}}, {"genre", []string{"Action", "Animation"}}, {"year", []string{"1995"}}} {
		got := slices.Clone(enc.Vocab(c.table).Tokens)
		slices.Sort(got)
		if !reflect.DeepEqual(got, c.tokens) {
			t.Errorf("%s vocabulary %q, want %q", c.table, got, c.tokens)
		}
	}
}

// The built-in schemas fit the real training files and encode the test
// files; the label rates are the READMEs'. Skipped when the shared data
// are absent.
func TestDefaultSchemaCTRRealData(t *testing.T) {
	root := shareddata.Dir(t)
	for _, tc := range []struct {
		name, train, test       string
		slots                   int
		trainRows, trainPos     int
		testRows, testPositives int
	}{
		{"frappe", "libfm-fields:" + root + "/frappe-nfm/frappe.validation.libfm", "libfm-fields:" + root + "/frappe-nfm/frappe.test.libfm",
			10, 57722, 19063, 28860, 9536},
		{"ipinyou", "libfm-fields:" + root + "/ipinyou-fnn/train.fm.txt", "libfm-fields:" + root + "/ipinyou-fnn/test.fm.txt",
			16, 26773, 255, 21150, 50},
		{"adult", "adult:" + root + "/adult-census/adult.train", "adult:" + root + "/adult-census/adult.test",
			13, 32561, 7841, 16281, 3846},
		// u1.base/u1.test ratings ≥ 4, counted with python.
		{"ml-100k", "movielens-ctr:" + root + "/ml-100k/u1.base", "movielens-ctr:" + root + "/ml-100k/u1.test",
			8, 80000, 44140, 20000, 11235},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, ds := fitBuild(t, tc.train, tc.train, tc.test)
			if n := len(enc.Slots()); n != tc.slots {
				t.Errorf("%d slots, want %d", n, tc.slots)
			}
			for k, want := range [][2]int{{tc.trainRows, tc.trainPos}, {tc.testRows, tc.testPositives}} {
				d := ds[k]
				pos := 0
				for _, y := range d.Label {
					if y != 0 && y != 1 {
						t.Fatalf("label %v is not 0/1", y)
					}
					pos += int(y)
				}
				if d.Rows != want[0] || pos != want[1] {
					t.Errorf("set %d: %d rows, %d positive (rate %.4f); want %d, %d (rate %.4f)",
						k+1, d.Rows, pos, float64(pos)/float64(d.Rows), want[0], want[1], float64(want[1])/float64(want[0]))
				}
			}
		})
	}
}

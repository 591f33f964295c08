package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
)

// The configuration data inspect writes reads back with LoadConfig as the
// one InspectionConfig makes — the inspected schema, lr, the default
// training and the reading options —, for a guessed schema, a built-in
// one and none; the report is all in comments.
func TestWriteInspection(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"id,click,count,price,color"}
	for i := range 120 {
		lines = append(lines, fmt.Sprintf("u%d,%d,%d,%v,%s", i, i%4/3, i/2, float64(i%40)-10.5, []string{"red", "green", ""}[i%3]))
	}
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	libfm := filepath.Join(dir, "a.libfm")
	if err := os.WriteFile(libfm, []byte("1 3:1 4:0.5\n0 5:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec string
		read data.ReadOptions
		kind string
	}{
		{"csv:" + csv, data.ReadOptions{}, dataset.SchemaGuessed},
		{"synthetic:ctr?rows=300&seed=3", data.ReadOptions{SkipBad: true, MaxLineBytes: 4096}, dataset.SchemaBuiltin},
		{"libfm:" + libfm, data.ReadOptions{}, ""},
	} {
		ins, err := dataset.Inspect(context.Background(), c.spec, dataset.InspectOptions{Read: c.read})
		if err != nil {
			t.Fatal(err)
		}
		if ins.SchemaKind != c.kind {
			t.Fatalf("%s: schema kind %q, want %q", c.spec, ins.SchemaKind, c.kind)
		}
		var buf bytes.Buffer
		if err := WriteInspection(&buf, ins, c.read); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "cfg.yaml")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := LoadConfig(path)
		if err != nil {
			t.Fatalf("%s: the written configuration does not load: %v\n%s", c.spec, err, buf.String())
		}
		want := InspectionConfig(ins, c.read)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: loaded %+v\nwant %+v", c.spec, got, want)
		}
		if want.Model.Name != "lr" || !reflect.DeepEqual(want.Train, DefaultConfig().Train) || want.Schema != ins.Schema ||
			want.Data.SkipBad != c.read.SkipBad || want.Data.MaxLineBytes != c.read.MaxLineBytes {
			t.Fatalf("%s: configuration %+v", c.spec, want)
		}
		// The report, line by line, is in the comments.
		var report bytes.Buffer
		if err := ins.WriteText(&report); err != nil {
			t.Fatal(err)
		}
		comments := map[string]bool{}
		sc := bufio.NewScanner(&buf)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "#"); ok {
				comments[strings.TrimPrefix(l, " ")] = true
			}
		}
		for _, l := range strings.Split(strings.TrimSuffix(report.String(), "\n"), "\n") {
			if !comments[l] {
				t.Errorf("%s: report line %q is not among the comments:\n%s", c.spec, l, buf.String())
			}
		}
	}
}

// A schema with a behaviour history gets a model that pools it.
func TestInspectionConfigModel(t *testing.T) {
	s := &feature.Schema{Fields: []feature.Field{{Name: "click", Type: feature.Label}, {Name: "item", Type: feature.Categorical},
		{Name: "hist", Type: feature.Sequence, Share: "item", MaxLen: 5}}}
	if got := InspectionConfig(&dataset.Inspection{Schema: s}, data.ReadOptions{}).Model.Name; got != "din" {
		t.Fatalf("model %q for a schema with a sequence, want din", got)
	}
}

// A comment holds no YAML line break, whatever the report says.
func TestCommentLineBreaks(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	comment(w, "a\rb\u2028c\u0085d\n\ne\n")
	w.Flush()
	if want := "# a\\rb\\u2028c\\u0085d\n#\n# e\n"; b.String() != want {
		t.Fatalf("comment %q, want %q", b.String(), want)
	}
}

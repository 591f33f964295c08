package dataset

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/synth"
)

func criteoSchema(t testing.TB) *feature.Schema {
	s, err := feature.LoadSchema("../feature/testdata/criteo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeCTR writes n synthetic Criteo-format rows and returns the file's
// labels as read back from its text.
func writeCTR(t testing.TB, path string, n int) []float32 {
	return writeCTRConfig(t, path, n, synth.CTRConfig{Seed: 3})
}

func writeCTRConfig(t testing.TB, path string, n int, cfg synth.CTRConfig) []float32 {
	g, err := synth.NewCTR(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.WriteTSVFile(path, n); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var labels []float32
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "1\t") {
			labels = append(labels, 1)
		} else {
			labels = append(labels, 0)
		}
	}
	return labels
}

func TestFitBuildReuse(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "train.tsv")
	labels := writeCTR(t, src, 3000)
	spec := "criteo:" + src
	enc, err := Fit(context.Background(), spec, criteoSchema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cachePath := filepath.Join(dir, "train.cache")
	d, rebuilt, err := Build(context.Background(), spec, enc, cachePath, Options{})
	if err != nil || !rebuilt {
		t.Fatalf("first build: rebuilt=%v err=%v", rebuilt, err)
	}
	if d.Rows != 3000 || d.Slots != 39 || len(d.IDs) != 3000*39 {
		t.Fatalf("rows %d, slots %d, ids %d", d.Rows, d.Slots, len(d.IDs))
	}
	// Criteo's numbers are bucketized into ids: no slot keeps a value
	// other than 1, so the cache has no value column at all.
	for _, c := range d.c.Columns() {
		if c.Name == "values" {
			t.Errorf("the cache has a values column %+v; every slot's value is 1", c)
		}
	}
	if len(d.ValueSlots) != 0 || d.StoredValues != nil {
		t.Errorf("stored values of slots %v, want none", d.ValueSlots)
	}
	for i, l := range labels {
		if d.Label[i] != l {
			t.Fatalf("row %d: label %v, the file says %v", i+1, d.Label[i], l)
		}
	}
	// The cached row equals encoding the record directly.
	r, err := data.Open(spec, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	re, _ := enc.Bind(r.Columns())
	ex := enc.NewExample()
	var rec data.Record
	vals := make([]float32, d.Slots)
	for i := range 50 {
		if err := r.Next(&rec); err != nil {
			t.Fatal(err)
		}
		if err := re.Encode(rec.Cols, ex); err != nil {
			t.Fatal(err)
		}
		d.ValueRow(i, vals)
		for s, id := range ex.IDs {
			if d.IDs[i*d.Slots+s] != id || vals[s] != ex.Values[s] {
				t.Fatalf("row %d slot %d: cache has %d/%v, direct encoding %d/%v", i+1, s, d.IDs[i*d.Slots+s], vals[s], id, ex.Values[s])
			}
		}
	}
	r.Close()
	d.Close()

	d, rebuilt, err = Build(context.Background(), spec, enc, cachePath, Options{})
	if err != nil || rebuilt {
		t.Fatalf("unchanged source: rebuilt=%v err=%v", rebuilt, err)
	}
	d.Close()
	// A rewritten source is stale.
	later := time.Now().Add(time.Minute)
	os.Chtimes(src, later, later)
	d, rebuilt, err = Build(context.Background(), spec, enc, cachePath, Options{})
	if err != nil || !rebuilt {
		t.Fatalf("touched source: rebuilt=%v err=%v", rebuilt, err)
	}
	d.Close()
}

func TestBadValueIsLocated(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.tsv")
	writeCTR(t, src, 10)
	raw, _ := os.ReadFile(src)
	lines := strings.Split(string(raw), "\n")
	cols := strings.Split(lines[6], "\t")
	cols[3] = "12x" // I3 of line 7
	lines[6] = strings.Join(cols, "\t")
	os.WriteFile(src, []byte(strings.Join(lines, "\n")), 0o644)

	_, err := Fit(context.Background(), "criteo:"+src, criteoSchema(t), Options{})
	var pe *data.ParseError
	if !errors.As(err, &pe) || pe.Line != 7 || pe.Column != 4 || pe.File != src {
		t.Fatalf("bad I3 on line 7: %v, want a ParseError at %s:7 column 4", err, src)
	}
	enc, err := Fit(context.Background(), "criteo:"+src, criteoSchema(t), Options{Read: data.ReadOptions{SkipBad: true}})
	if err != nil {
		t.Fatalf("fit skipping bad rows: %v", err)
	}
	d, _, err := Build(context.Background(), "criteo:"+src, enc, filepath.Join(dir, "c"), Options{Read: data.ReadOptions{SkipBad: true}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 9 || d.Skipped != 1 {
		t.Fatalf("skipping: %d rows, %d skipped; want 9 and 1", d.Rows, d.Skipped)
	}
	d.Close()
	// The cache, reused, still knows what its build skipped.
	d, rebuilt, err := Build(context.Background(), "criteo:"+src, enc, filepath.Join(dir, "c"), Options{Read: data.ReadOptions{SkipBad: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if rebuilt || d.Rows != 9 || d.Skipped != 1 {
		t.Fatalf("reused cache: rebuilt %v, %d rows, %d skipped; want false, 9 and 1", rebuilt, d.Rows, d.Skipped)
	}
}

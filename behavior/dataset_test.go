package behavior

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// denseReader hides the Reader's SeqWindow, so that dataset.Build stores
// its sequences densely: the independent construction that the
// by-reference layout must reproduce.
type denseReader struct{ r *Reader }

func (d denseReader) Columns() []string           { return d.r.Columns() }
func (d denseReader) Next(rec *data.Record) error { return d.r.Next(rec) }
func (d denseReader) Skipped() int64              { return d.r.Skipped() }
func (d denseReader) Close() error                { return d.r.Close() }

func init() {
	data.Register("behavior-dense", func(path string, opts data.ReadOptions) (data.Reader, error) {
		r, err := Open(path, opts)
		if err != nil {
			return nil, err
		}
		return denseReader{r}, nil
	}, true)
}

// build fits the encoders of spec's schema on the train part and builds
// every part through reader ("behavior" or "behavior-dense").
func build(t *testing.T, reader, spec string, schema *feature.Schema) map[string]*dataset.Dataset {
	t.Helper()
	dir := t.TempDir()
	enc, err := dataset.Fit(context.Background(), reader+":"+spec+"&part=train", schema, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dataset.Dataset{}
	for _, part := range []string{"train", "valid", "test"} {
		d, _, err := dataset.Build(context.Background(), reader+":"+spec+"&part="+part, enc, filepath.Join(dir, part+".rfc"), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		out[part] = d
	}
	return out
}

// The by-reference layout serves every row exactly as the dense layout
// stores it, for histories padded at either end and truncated below the
// reader's window.
func TestByReferenceEqualsDense(t *testing.T) {
	p := writeFile(t, "log.txt", handLog+"8 1\n8 2\n8 3\n8 4\n8 5\n8 6\n8 7\n8 8\n8 9\n")
	for _, tc := range []struct {
		spec          string
		padStart      bool
		schemaMaxLen  int
		wantTruncated bool
	}{
		{"sasrec?path=" + p + "&max_len=4&neg=2", false, 0, false},
		{"sasrec?path=" + p + "&max_len=4&neg=1", true, 0, false},
		{"sasrec?path=" + p + "&max_len=6&neg=1&valid=2", false, 3, true},
		{"synthetic?users=40&items=60&categories=5&per_user=3&min_history=3&max_history=9&max_len=5", true, 0, false},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			schema, err := Schema("behavior:" + tc.spec + "&part=train")
			if err != nil {
				t.Fatal(err)
			}
			for i := range schema.Fields {
				f := &schema.Fields[i]
				if f.Type == feature.Sequence {
					if tc.padStart {
						f.Padding = feature.PadStart
					}
					if tc.schemaMaxLen > 0 {
						f.MaxLen = tc.schemaMaxLen
					}
				}
			}
			refs, dense := build(t, "behavior", tc.spec, schema), build(t, "behavior-dense", tc.spec, schema)
			truncated := false
			for part, r := range refs {
				d := dense[part]
				if !r.ByReference() || d.ByReference() {
					t.Fatalf("%s: by reference %v and %v, want true and false", part, r.ByReference(), d.ByReference())
				}
				if r.Rows != d.Rows || r.Rows == 0 || r.SeqLen != d.SeqLen {
					t.Fatalf("%s: %d and %d rows of %d and %d ids", part, r.Rows, d.Rows, r.SeqLen, d.SeqLen)
				}
				if !slices.Equal(r.Label, d.Label) || !slices.Equal(r.IDs, d.IDs) || !slices.Equal(r.Group, d.Group) || !slices.Equal(r.SeqLens, d.SeqLens) {
					t.Fatalf("%s: labels, ids, groups or lengths differ", part)
				}
				a, b := make([]int32, r.SeqLen), make([]int32, d.SeqLen)
				for row := range r.Rows {
					for k := range a {
						a[k], b[k] = -1, -2 // SeqRow must write every position
					}
					r.SeqRow(row, a)
					d.SeqRow(row, b)
					if !slices.Equal(a, b) {
						t.Fatalf("%s row %d: by reference %v, dense %v", part, row, a, b)
					}
					if !slices.Equal(b, d.Seq[row*d.SeqLen:(row+1)*d.SeqLen]) {
						t.Fatalf("%s row %d: dense SeqRow is not the row's Seq", part, row)
					}
				}
				for _, n := range r.SeqLens {
					truncated = truncated || tc.schemaMaxLen > 0 && int(n) == tc.schemaMaxLen
				}
				// By reference: an 8-byte start and an 8-byte pool offset per
				// row and sequence (and one more offset per pool), and the
				// pools' ids; densely: SeqLen ids per row.
				pooled := 0
				for _, p := range r.Pools {
					pooled += len(p)
				}
				stored, full := r.SeqBytes()
				wantStored := int64(16*r.Rows*r.NumSeq + 8*r.NumSeq + 4*pooled)
				if s2, f2 := d.SeqBytes(); s2 != f2 || f2 != full || full != int64(4*r.Rows*r.SeqLen) || stored != wantStored {
					t.Errorf("%s: sequence bytes by reference %d of %d (want %d), dense %d of %d", part, stored, full, wantStored, s2, f2)
				}
			}
			if truncated != tc.wantTruncated {
				t.Errorf("truncated by the schema: %v, want %v", truncated, tc.wantTruncated)
			}
		})
	}
}

// Each user's sequence is stored once per part: the pool of an item-only
// log's training part holds each training history's behaviours once, not
// once per sample.
func TestPoolHoldsEachBehaviourOnce(t *testing.T) {
	p := writeFile(t, "log.txt", handLog)
	spec := "sasrec?path=" + p + "&max_len=50&neg=3"
	schema, err := Schema("behavior:" + spec + "&part=train")
	if err != nil {
		t.Fatal(err)
	}
	sets := build(t, "behavior", spec, schema)
	// Training steps: user 7 steps 1..3 (history up to item 12: 3 ids),
	// user 3 steps 1..2 (2 ids), user 5 step 1 (1 id). Validation: user 7
	// step 4 (4 ids), user 3 step 3 (3 ids); test: 5 and 4.
	for part, want := range map[string]int{"train": 3 + 2 + 1, "valid": 4 + 3, "test": 5 + 4} {
		d := sets[part]
		if got := len(d.Pools[0]); got != want {
			t.Errorf("%s: pool of %d ids, want %d", part, got, want)
		}
	}
	if d := sets["train"]; d.Rows != 4*(3+2+1) {
		t.Errorf("train: %d rows, want 24", d.Rows)
	}
}

// The built-in schema pairs the histories with the candidate's tables and
// makes the user the group key.
func TestSchema(t *testing.T) {
	p := writeFile(t, "ev.csv", "user_id,item_id,time,cate_id\nu,a,1,x\n")
	for _, tc := range []struct {
		spec   string
		fields string
	}{
		{"behavior:sasrec?path=x&part=train&max_len=7", "label user user_group item hist_item"},
		{"behavior:amazon-electronics?path=" + p + "&part=test", "label user user_group item cat hist_item hist_cat"},
		{"behavior:synthetic?part=train", "label user user_group item cat hist_item hist_cat"},
	} {
		s, ok, err := dataset.DefaultSchema(tc.spec)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", tc.spec, ok, err)
		}
		var names []string
		for _, f := range s.Fields {
			names = append(names, f.Name)
			switch f.Name {
			case "hist_item", "hist_cat":
				if f.Type != feature.Sequence || f.Share != strings.TrimPrefix(f.Name, "hist_") {
					t.Errorf("%s: %s is %s sharing %q", tc.spec, f.Name, f.Type, f.Share)
				}
				if want := map[bool]int{true: 7, false: 50}[strings.Contains(tc.spec, "max_len=7")]; f.MaxLen != want {
					t.Errorf("%s: %s max_len %d, want %d", tc.spec, f.Name, f.MaxLen, want)
				}
			case "item", "cat":
				if f.Share != f.Name || f.Source != feature.Item {
					t.Errorf("%s: %s shares %q from %q", tc.spec, f.Name, f.Share, f.Source)
				}
			case "user_group":
				if f.Type != feature.Group || f.Column != "user" {
					t.Errorf("%s: user_group is %s of column %q", tc.spec, f.Type, f.Column)
				}
			}
		}
		if got := strings.Join(names, " "); got != tc.fields {
			t.Errorf("%s: fields %q, want %q", tc.spec, got, tc.fields)
		}
	}
	if _, _, err := dataset.DefaultSchema("behavior:nope?part=train"); err == nil {
		t.Error("an unknown format had a schema")
	}
	files, err := data.SourceFiles("behavior:sasrec?path=a/b.txt&part=train")
	if err != nil || !slices.Equal(files, []string{"a/b.txt"}) {
		t.Errorf("source files %v %v, want the log", files, err)
	}
	if files, err := data.SourceFiles("behavior:synthetic?part=train"); err != nil || files != nil {
		t.Errorf("synthetic source files %v %v, want none", files, err)
	}
}

func Example_spec() {
	sp, _ := ParseSpec("sasrec?path=Video.txt&part=test")
	fmt.Println(sp.Format, sp.Path, sp.Part, sp.Config.MaxLen, sp.Config.Negatives)
	// Output: sasrec Video.txt test 50 1
}

// train.Fit trains from by-reference histories exactly as from dense
// ones: the same model, seed and rows give the same losses and
// predictions, bit for bit.
func TestFitByReferenceEqualsDense(t *testing.T) {
	const name = "seqbase"
	if _, ok := model.Lookup(name); !ok {
		t.Skip("no seqbase model registered")
	}
	spec := "synthetic?users=150&items=60&categories=5&per_user=3&min_history=3&max_history=10&max_len=8"
	schema, err := Schema("behavior:" + spec + "&part=train")
	if err != nil {
		t.Fatal(err)
	}
	var preds [2][]float32
	var losses [2][]float64
	for k, reader := range []string{"behavior", "behavior-dense"} {
		sets := build(t, reader, spec, schema)
		enc, err := dataset.Fit(context.Background(), reader+":"+spec+"&part=train", schema, dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := train.DefaultConfig()
		cfg.Epochs, cfg.Batch = 2, 32
		m, _, err := model.New(name, nil, model.Env{Layout: model.NewLayout(enc), MaxBatch: cfg.Batch, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		res, err := train.Fit(context.Background(), m, train.Data{Set: sets["train"]}.Source(), train.NewHoldout(train.Data{Set: sets["valid"]}, cfg.Batch, true), cfg, train.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Epochs {
			losses[k] = append(losses[k], e.TrainLoss, e.Valid["auc"])
		}
		if preds[k], err = train.Predict(context.Background(), m, train.Data{Set: sets["test"]}, res.Task, cfg.Batch); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(losses[0], losses[1]) || !slices.Equal(preds[0], preds[1]) || len(preds[0]) == 0 {
		t.Fatalf("by reference: losses %v, dense %v; predictions equal: %v", losses[0], losses[1], slices.Equal(preds[0], preds[1]))
	}
}

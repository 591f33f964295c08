package pipeline

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
	_ "github.com/recforge/recforge/behavior" // the behavior: reader
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
)

// warmCase is a model and the data of its two days: day one trains the
// artifact, day two brings new values.
type warmCase struct {
	model  string
	params map[string]any
	day1   Inputs
	day2   Inputs
}

func seqInputs(seed, items int) Inputs {
	spec := func(part string) string {
		return "behavior:synthetic?users=40&items=" + strconv.Itoa(items) + "&categories=5&seed=" + strconv.Itoa(seed) + "&max_len=6&part=" + part
	}
	return Inputs{Data: spec("train"), Valid: spec("valid"), Test: spec("test")}
}

var warmCases = []warmCase{
	{model: "deepfm", params: map[string]any{"hidden": []any{16, 8}, "batch_norm": true},
		day1: Inputs{Data: "synthetic:ctr?rows=1200&seed=1&max_vocab=20", SplitSeed: 1},
		day2: Inputs{Data: "synthetic:ctr?rows=3000&seed=2&max_vocab=40", SplitSeed: 1}},
	{model: "din", params: map[string]any{"attention_hidden": []any{8}, "hidden": []any{16}},
		day1: seqInputs(2, 30), day2: seqInputs(3, 50)},
}

// trainDay1 trains c's model one epoch on day one into a temporary run
// directory and returns the artifact's directory.
func trainDay1(t *testing.T, c warmCase, cache string) string {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = ModelConfig{Name: c.model, Params: c.params}
	cfg.Train.Epochs, cfg.Train.Batch = 1, 128
	in := c.day1
	in.CacheDir = cache
	p := prepare(t, &cfg, in)
	o, err := TrainModel(context.Background(), p, &cfg, in.Data, RunOptions{Out: filepath.Join(t.TempDir(), "run")})
	if err != nil {
		t.Fatal(err)
	}
	return o.Artifact
}

// warmModel prepares day (growing w's encoders) and builds the warm model
// as TrainModel does, with another seed than day one's; fresh is the same
// model before the copy.
func warmModel(t *testing.T, w *Warm, day Inputs, cache string) (p *Prepared, m, fresh model.Model) {
	t.Helper()
	cfg := DefaultConfig()
	if err := w.Configure(&cfg); err != nil {
		t.Fatal(err)
	}
	day.CacheDir, day.Warm = cache, w
	p = prepare(t, &cfg, day)
	params, err := cfg.Model.params()
	if err != nil {
		t.Fatal(err)
	}
	env := model.Env{Layout: model.NewLayout(p.Encoders), MaxBatch: 64, Seed: 99}
	m, _, err = model.New(cfg.Model.Name, params, env)
	if err != nil {
		t.Fatal(err)
	}
	if fresh, _, err = model.New(cfg.Model.Name, params, env); err != nil {
		t.Fatal(err)
	}
	if err := w.CopyInto(m, p.Encoders); err != nil {
		t.Fatal(err)
	}
	return p, m, fresh
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func checkSameTensors(t *testing.T, kind string, got, want []*nn.Param) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d %ss, want %d", len(got), kind, len(want))
	}
	for i := range got {
		if got[i].Name != want[i].Name || !sameBits(got[i].W, want[i].W) {
			t.Errorf("%s %s differs from the artifact's", kind, got[i].Name)
		}
	}
}

func tableRow(tb *nn.Table, r int) []float32 { return tb.Data[r*tb.Stride : r*tb.Stride+tb.Dim] }

// A warm start on the data the artifact was trained on grows nothing, and
// the model it builds is the artifact's bit for bit: every dense
// parameter, buffer and table row — whatever the new model's seed.
func TestWarmStartSameDataEqualsArtifact(t *testing.T) {
	for _, c := range warmCases {
		t.Run(c.model, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "cache")
			dir := trainDay1(t, c, cache)
			w, err := OpenWarm(dir)
			if err != nil {
				t.Fatal(err)
			}
			p, m, _ := warmModel(t, w, c.day1, cache)
			if p.Encoders.Rows() != w.Encoders.Rows() || !reflect.DeepEqual(p.Encoders.Tables(), w.Encoders.Tables()) {
				t.Fatalf("tables %+v, want the artifact's %+v", p.Encoders.Tables(), w.Encoders.Tables())
			}
			for _, g := range p.Growth {
				if g.Added != 0 {
					t.Errorf("table %s grew by %d on the same data", g.Table, g.Added)
				}
			}
			checkSameTensors(t, "parameter", model.Params(m), model.Params(w.Model))
			checkSameTensors(t, "buffer", model.Buffers(m), model.Buffers(w.Model))
			if c.params["batch_norm"] == true && len(model.Buffers(m)) == 0 {
				t.Error("no buffers: the case does not test them")
			}
			got, want := model.Tables(m), model.Tables(w.Model)
			for i := range got {
				if got[i].Rows != want[i].Rows {
					t.Fatalf("table %s: %d rows, want %d", got[i].Name, got[i].Rows, want[i].Rows)
				}
				for r := range got[i].Rows {
					if !sameBits(tableRow(got[i], r), tableRow(want[i], r)) {
						t.Fatalf("table %s row %d differs from the artifact's", got[i].Name, r)
					}
				}
			}
		})
	}
}

// A warm start on data with new values grows the vocabularies; every old
// token's row is the artifact's row of that token bit for bit, and the new
// tokens' rows are those of a fresh model of the same seed (not zero in
// the embedding tables, whose initialization is random).
func TestWarmStartGrowthKeepsOldRows(t *testing.T) {
	for _, c := range warmCases {
		t.Run(c.model, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "cache")
			dir := trainDay1(t, c, cache)
			w, err := OpenWarm(dir)
			if err != nil {
				t.Fatal(err)
			}
			p, m, fresh := warmModel(t, w, c.day2, cache)
			added := 0
			for _, g := range p.Growth {
				added += g.Added
			}
			if added == 0 || p.Encoders.Rows() <= w.Encoders.Rows() {
				t.Fatalf("day two added no values (growth %+v): the case tests nothing", p.Growth)
			}
			checkSameTensors(t, "parameter", model.Params(m), model.Params(w.Model))
			checkSameTensors(t, "buffer", model.Buffers(m), model.Buffers(w.Model))
			old, grown := w.Encoders, p.Encoders
			ot, nt := old.Tables(), grown.Tables()
			got, want, init := model.Tables(m), model.Tables(w.Model), model.Tables(fresh)
			checked, nonzero := 0, 0
			for i := range got {
				global := got[i].Rows == grown.Rows()
				for k := range ot {
					if !global {
						break
					}
					// Each old token (and OOV id) keeps its local row.
					for j := range int(ot[k].Size) {
						if !sameBits(tableRow(got[i], int(nt[k].Offset)+j), tableRow(want[i], int(ot[k].Offset)+j)) {
							t.Fatalf("table %s: %s local id %d: row differs from the artifact's", got[i].Name, ot[k].Name, j)
						}
						checked++
					}
					if v := old.Vocab(ot[k].Name); v != nil {
						nv := grown.Vocab(ot[k].Name)
						for j, tok := range v.Tokens {
							id, ok := nv.Lookup([]byte(tok))
							if !ok || int(id) != j {
								t.Fatalf("%s: token %q has id %d, was %d", ot[k].Name, tok, id, j)
							}
						}
					}
					for j := ot[k].Size; j < nt[k].Size; j++ {
						r := int(nt[k].Offset + j)
						if !sameBits(tableRow(got[i], r), tableRow(init[i], r)) {
							t.Fatalf("table %s: new row %d of %s is not the fresh model's", got[i].Name, j, ot[k].Name)
						}
						for _, x := range tableRow(got[i], r) {
							if x != 0 {
								nonzero++
								break
							}
						}
					}
				}
			}
			if checked == 0 || nonzero == 0 {
				t.Fatalf("checked %d old rows; %d new rows are not zero", checked, nonzero)
			}
		})
	}
}

// A warm start names what it cannot do: a directory with no artifact, a
// configuration naming another model, a schema that adds or removes a
// field, and a family whose ids it cannot carry over.
func TestWarmStartErrors(t *testing.T) {
	if _, err := OpenWarm(filepath.Join(t.TempDir(), "nothing")); err == nil || !strings.Contains(err.Error(), "holds no artifact") {
		t.Errorf("missing artifact: %v", err)
	}
	c := warmCases[0]
	cache := filepath.Join(t.TempDir(), "cache")
	dir := trainDay1(t, c, cache)
	w, err := OpenWarm(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Model.Name = "dcn"
	if err := w.Configure(&cfg); err == nil || !strings.Contains(err.Error(), "holds a deepfm model, the configuration names dcn") {
		t.Errorf("other model: %v", err)
	}
	s := w.Encoders.Schema()
	s.Fields = append(s.Fields, feature.Field{Name: "C99", Type: feature.Categorical})
	cfg = DefaultConfig()
	cfg.Schema = &s
	if err := w.Configure(&cfg); err == nil || !strings.Contains(err.Error(), `schema mismatch: the schema adds "C99"`) {
		t.Errorf("added field: %v", err)
	}
	s = w.Encoders.Schema()
	s.Fields = s.Fields[:len(s.Fields)-1]
	cfg.Schema = &s
	if err := w.Configure(&cfg); err == nil || !strings.Contains(err.Error(), "schema mismatch: the schema removes") {
		t.Errorf("removed field: %v", err)
	}
	// A hyper-parameter that changes a dense shape fails at the copy,
	// naming the tensor.
	cfg = DefaultConfig()
	cfg.Model = ModelConfig{Name: "deepfm", Params: map[string]any{"hidden": []any{12, 8}}}
	if err := w.Configure(&cfg); err != nil {
		t.Fatal(err)
	}
	in := c.day1
	in.CacheDir, in.Warm = cache, w
	p := prepare(t, &cfg, in)
	params, _ := cfg.Model.params()
	m, _, err := model.New("deepfm", params, model.Env{Layout: model.NewLayout(p.Encoders), MaxBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.CopyInto(m, p.Encoders); err == nil || !strings.Contains(err.Error(), `parameter "deepfm.dnn`) || !strings.Contains(err.Error(), "shape") {
		t.Errorf("changed hidden width: %v", err)
	}
	// Rating and ranking families are refused by name.
	if err := checkWarmTask("neumf"); err == nil || !strings.Contains(err.Error(), "neumf is a ranking model") {
		t.Errorf("ranking model: %v", err)
	}
	if err := checkWarmTask("biasedmf"); err == nil || !strings.Contains(err.Error(), "biasedmf is a rating model") {
		t.Errorf("rating model: %v", err)
	}
}

// The artifact of a warm-started run records where it started from.
func TestWarmStartManifest(t *testing.T) {
	c := warmCases[0]
	cache := filepath.Join(t.TempDir(), "cache")
	dir := trainDay1(t, c, cache)
	w, err := OpenWarm(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if err := w.Configure(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Train.Epochs, cfg.Train.Batch = 1, 128
	in := c.day2
	in.CacheDir, in.Warm = cache, w
	p := prepare(t, &cfg, in)
	o, err := TrainModel(context.Background(), p, &cfg, in.Data, RunOptions{Out: filepath.Join(t.TempDir(), "run2"), Warm: w})
	if err != nil {
		t.Fatal(err)
	}
	man, err := artifact.ReadManifest(o.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	if man.WarmStart == nil || man.WarmStart.Dir != abs || !man.WarmStart.Created.Equal(w.Manifest.Created) || man.Model != "deepfm" {
		t.Errorf("manifest warm_start %+v, model %s; want dir %s created %v", man.WarmStart, man.Model, abs, w.Manifest.Created)
	}
	if _, err := Load(o.Artifact, 16); err != nil {
		t.Errorf("the warm-started artifact does not load: %v", err)
	}
}

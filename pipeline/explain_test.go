package pipeline

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// explainFixture writes DIN-style records (histories padded at the start,
// one empty) as CSV and returns the spec, the records and untrained
// encoders fitted on them.
func explainFixture(t *testing.T) (spec string, recs [][]string, enc *feature.Encoders) {
	t.Helper()
	s, err := feature.ParseSchema([]byte(`
fields:
  - {name: clk, type: label}
  - {name: user, type: categorical, source: user}
  - {name: hist_items, type: sequence, source: user, share: item, max_len: 4, padding: start}
  - {name: hist_cats, type: sequence, source: user, share: cat, max_len: 4, padding: start}
  - {name: item, type: categorical, source: item, share: item}
  - {name: cat, type: categorical, source: item, share: cat}
`))
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"clk", "user", "hist_items", "hist_cats", "item", "cat"}
	recs = [][]string{
		{"1", "u1", "i3|i1|i4|i2|i5", "c1|c1|c2|c2|c3", "i5", "c2"},
		{"0", "u2", "", "", "i1", "c1"},
		{"1", "u3", "i2|i3", "c1|c2", "i3", "c2"},
		{"0", "u1", "i4", "c3", "i2", "c1"},
		{"1", "u4", "i1|i2|i3", "c2|c2|c1", "i4", "c3"},
	}
	ft, err := feature.NewFitter(s, cols)
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString(strings.Join(cols, ",") + "\n")
	for _, r := range recs {
		b := make([][]byte, len(r))
		for i, v := range r {
			b[i] = []byte(v)
		}
		if err := ft.Observe(b); err != nil {
			t.Fatal(err)
		}
		csv.WriteString(strings.Join(r, ",") + "\n")
	}
	if enc, err = ft.Encoders(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return "csv:" + path, recs, enc
}

func loadedModel(t *testing.T, name, params string, enc *feature.Encoders, batch int) *Loaded {
	t.Helper()
	m, _, err := model.New(name, json.RawMessage(params), model.Env{Layout: model.NewLayout(enc), MaxBatch: batch, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	return &Loaded{Manifest: &artifact.Manifest{Model: name}, Encoders: enc, Model: m, Task: train.Binary, Batch: batch}
}

// Explain reports, per row, the score and the weights Attention gives the
// row's real history elements, each with its raw value, and nothing for
// padding: checked against each record scored alone and its raw history.
func TestExplainHistoryAttention(t *testing.T) {
	spec, recs, enc := explainFixture(t)
	for _, name := range []string{"din", "dien"} {
		params := `{"hidden": [6], "init_std": 0.3}`
		if name == "din" {
			params = `{"hidden": [6], "init_std": 0.3, "attention_hidden": [5], "attention_weighting": "softmax"}`
		}
		l := loadedModel(t, name, params, enc, 2) // batches of 2: the explanation must follow them
		var got []Explanation
		if _, err := l.Explain(context.Background(), spec, data.ReadOptions{}, func(e []Explanation) error {
			got = append(got, e...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recs) {
			t.Fatalf("%s: %d explanations for %d records", name, len(got), len(recs))
		}
		// Each record alone, by hand.
		re, err := enc.Bind([]string{"clk", "user", "hist_items", "hist_cats", "item", "cat"})
		if err != nil {
			t.Fatal(err)
		}
		lay := model.NewLayout(enc)
		att := l.Model.(interface{ Attention() ([]float32, int) })
		for r, rec := range recs {
			ex := enc.NewExample()
			if err := re.Encode(bytesOf(rec), ex); err != nil {
				t.Fatal(err)
			}
			out := l.Model.Forward(&model.Batch{N: 1, IDs: ex.IDs, Values: ex.Values, Seq: ex.Seq, SeqLens: ex.SeqLens})
			score := float32(1 / (1 + math.Exp(-float64(out[0]))))
			w, _ := att.Attention()
			e := got[r]
			if math.Abs(float64(e.Score-score)) > 1e-6 {
				t.Errorf("%s row %d: score %v, alone %v", name, r, e.Score, score)
			}
			var want []HistoryWeight
			for si, q := range lay.Seqs {
				raw := strings.Split(rec[2+si], "|")
				if rec[2+si] == "" {
					raw = nil
				}
				raw = raw[max(len(raw)-q.MaxLen, 0):] // keep_last
				for p, v := range raw {
					c := q.Offset + q.MaxLen - len(raw) + p // padding start
					want = append(want, HistoryWeight{Seq: q.Field, Pos: p, ID: ex.Seq[c], Item: v, Weight: w[c]})
				}
			}
			if len(e.Attention) != len(want) {
				t.Fatalf("%s row %d: %d entries %+v, want %d %+v", name, r, len(e.Attention), e.Attention, len(want), want)
			}
			for k, h := range e.Attention {
				wk := want[k]
				if h.Seq != wk.Seq || h.Pos != wk.Pos || h.ID != wk.ID || h.Item != wk.Item || math.Abs(float64(h.Weight-wk.Weight)) > 1e-6 {
					t.Errorf("%s row %d entry %d: %+v, want %+v", name, r, k, h, wk)
				}
			}
		}
		if len(got[1].Attention) != 0 {
			t.Errorf("%s: the row without history has entries %+v", name, got[1].Attention)
		}
		b, err := json.Marshal(got[1])
		var back map[string]any
		if err == nil {
			err = json.Unmarshal(b, &back)
		}
		if a, ok := back["attention"].([]any); err != nil || !ok || len(a) != 0 || back["score"] == nil {
			t.Errorf("%s: row without history marshals as %s (%v), want a score and an empty attention list", name, b, err)
		}
	}
	if _, err := loadedModel(t, "seqbase", `{"hidden": [4]}`, enc, 2).Explain(context.Background(), spec, data.ReadOptions{}, nil); err == nil ||
		!strings.Contains(err.Error(), "model seqbase has no attention weights to explain") {
		t.Errorf("seqbase: error %v", err)
	}
}

// AFM's explanation names each pair of unpadded fields by the fields'
// names, with the weight Attention gives it; a padded field (a missing
// user) takes part in no pair.
func TestExplainAFMPairs(t *testing.T) {
	s, err := feature.ParseSchema([]byte(`
fields:
  - {name: clk, type: label}
  - {name: user, type: categorical, missing: pad}
  - {name: item, type: categorical}
  - {name: cat, type: categorical}
`))
	if err != nil {
		t.Fatal(err)
	}
	recs := [][]string{{"1", "u1", "i1", "c1"}, {"0", "", "i2", "c1"}, {"1", "u2", "i1", "c2"}}
	ft, err := feature.NewFitter(s, []string{"clk", "user", "item", "cat"})
	if err != nil {
		t.Fatal(err)
	}
	csv := "clk,user,item,cat\n"
	for _, r := range recs {
		if err := ft.Observe(bytesOf(r)); err != nil {
			t.Fatal(err)
		}
		csv += strings.Join(r, ",") + "\n"
	}
	enc, err := ft.Encoders()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "afm.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	l := loadedModel(t, "afm", `{"init_std": 0.3}`, enc, 8)
	var got []Explanation
	if _, err := l.Explain(context.Background(), "csv:"+path, data.ReadOptions{}, func(e []Explanation) error { got = append(got, e...); return nil }); err != nil {
		t.Fatal(err)
	}
	m := l.Model.(interface {
		Attention() ([]float32, int)
		Pair(int) (int, int)
	})
	w, pairs := m.Attention() // the one batch's
	slots := model.NewLayout(enc).Slots
	if pairs != 3 || len(got) != len(recs) {
		t.Fatalf("%d pairs, %d explanations", pairs, len(got))
	}
	for r, e := range got {
		var want []PairWeight
		for k := range pairs {
			a, b := m.Pair(k)
			if recs[r][a+1] == "" || recs[r][b+1] == "" { // the slots follow the label column
				continue
			}
			want = append(want, PairWeight{Fields: [2]string{slots[a].Name, slots[b].Name}, Weight: w[r*pairs+k]})
		}
		if len(e.Pairs) != len(want) {
			t.Fatalf("row %d: pairs %+v, want %+v", r, e.Pairs, want)
		}
		for k := range want {
			if e.Pairs[k] != want[k] {
				t.Errorf("row %d: pair %+v, want %+v", r, e.Pairs[k], want[k])
			}
		}
	}
	if len(got[1].Pairs) != 1 || got[1].Pairs[0].Fields != [2]string{"item", "cat"} {
		t.Errorf("row without user: pairs %+v, want item×cat alone", got[1].Pairs)
	}
}

func bytesOf(r []string) [][]byte {
	out := make([][]byte, len(r))
	for i, v := range r {
		out[i] = []byte(v)
	}
	return out
}

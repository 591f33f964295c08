package train

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// seqSet builds a small behaviour dataset (histories stored by reference,
// as the behaviour sources keep them) and a view of every other row.
func seqSet(t *testing.T) (*dataset.Dataset, model.Layout, Data) {
	t.Helper()
	spec := "behavior:synthetic?users=40&items=30&categories=4&seed=3&max_len=6&part=train"
	s, err := behavior.Schema(spec)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := dataset.Fit(context.Background(), spec, s, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := dataset.Build(context.Background(), spec, enc, filepath.Join(t.TempDir(), "cache"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	view := Data{Set: set, Rows: []int32{}}
	for r := 0; r < set.Rows; r += 2 {
		view.Rows = append(view.Rows, int32(r))
	}
	return set, model.NewLayout(enc), view
}

func newSeqModel(t *testing.T, name string, l model.Layout, params string, batch int) model.Model {
	t.Helper()
	m, _, err := model.New(name, json.RawMessage(params), model.Env{Layout: l, MaxBatch: batch, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Fit counts every id's frequency over the training view before the first
// epoch and hands it to the mini-batch aware regularization, whose penalty
// gradient on a touched row r is then λ/n_r·w_r (docs/models/din.md): after
// one full-batch SGD step, the regularized table differs from the
// unregularized one by exactly −η·λ/n_r·w_r.
func TestFitSetsRowFrequencies(t *testing.T) {
	set, l, view := seqSet(t)
	if set.Seq != nil {
		t.Log("histories are stored densely; the by-reference path is not exercised")
	}
	// The hand count: every non-zero id of the view's slots and padded
	// histories (SeqRow pads with id 0 wherever the padding is).
	want := make([]uint32, l.Rows)
	seq := make([]int32, set.SeqLen)
	for _, r := range view.Rows {
		for _, id := range set.IDs[int(r)*set.Slots : int(r+1)*set.Slots] {
			if id != 0 {
				want[id]++
			}
		}
		set.SeqRow(int(r), seq)
		for _, id := range seq {
			if id != 0 {
				want[id]++
			}
		}
	}
	const lr, lambda = 1.0, 0.5
	cfg := Config{Epochs: 1, Batch: view.Len(), Seed: 1, Optimizer: optim.Spec{Rule: "sgd", LR: lr}}
	small := `"hidden": [8], "attention_hidden": [4], "embedding_reg": "mba"`
	reg := newSeqModel(t, "din", l, `{`+small+`, "l2_emb": 0.5}`, view.Len())
	plain := newSeqModel(t, "din", l, `{`+small+`}`, view.Len())
	tab := model.Tables(reg)[0]
	w0 := append([]float32(nil), tab.Data...)
	checked := false
	opts := Options{OnBatch: func(Progress) {
		got := reg.Parts()[0].Tables[0].Reg.Freq
		for id := range want {
			if got[id] != want[id] {
				t.Fatalf("row %d counted %d times, want %d", id, got[id], want[id])
			}
		}
		checked = true
	}}
	if _, err := Fit(context.Background(), reg, view.Source(), nil, cfg, opts); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("no batch trained")
	}
	if _, err := Fit(context.Background(), plain, view.Source(), nil, cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	w1, p1 := tab.Data, model.Tables(plain)[0].Data
	many := 0
	for r := 1; r < l.Rows; r++ {
		if want[r] == 0 {
			continue
		}
		if want[r] > 1 {
			many++
		}
		for c := range tab.Dim {
			i := r*tab.Stride + c
			penalty := float64(p1[i]) - float64(w1[i]) // η·λ/n_r·w0 by the closed form
			exp := lr * lambda / float64(want[r]) * float64(w0[i])
			if math.Abs(penalty-exp) > 1e-6+1e-3*math.Abs(exp) {
				t.Fatalf("row %d (n_r = %d) col %d: penalty step %g, want η·λ/n_r·w = %g", r, want[r], c, penalty, exp)
			}
		}
	}
	if many == 0 {
		t.Fatal("no row occurs twice: the test cannot tell λ/n_r from λ")
	}
}

// Each epoch's record holds the mean of DIEN's auxiliary loss over the
// epoch's batches (the values AuxLoss reports after each batch, collected
// here by hand); models without one, and DIEN at aux_alpha 0, have none.
func TestFitReportsAuxLoss(t *testing.T) {
	_, l, view := seqSet(t)
	const batch = 16
	cfg := Config{Epochs: 2, Batch: batch, Seed: 1, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}}
	m := newSeqModel(t, "dien", l, `{"hidden": [8]}`, batch)
	aux := m.(model.AuxLosser)
	byEpoch := map[int][]float64{}
	var stats []EpochStats
	opts := Options{
		OnBatch: func(p Progress) { byEpoch[p.Epoch] = append(byEpoch[p.Epoch], aux.AuxLoss()) },
		OnEpoch: func(es EpochStats) { stats = append(stats, es) },
	}
	if _, err := Fit(context.Background(), m, view.Source(), nil, cfg, opts); err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 {
		t.Fatalf("%d epochs reported", len(stats))
	}
	for _, es := range stats {
		vals := byEpoch[es.Epoch]
		if want := (view.Len() + batch - 1) / batch; len(vals) != want {
			t.Fatalf("epoch %d: %d batches, want %d", es.Epoch, len(vals), want)
		}
		var sum float64
		for _, v := range vals {
			sum += v
		}
		want := sum / float64(len(vals))
		if es.AuxLoss == nil || math.Abs(*es.AuxLoss-want) > 1e-12*math.Abs(want) || !(want > 0) {
			t.Errorf("epoch %d: aux loss %v, want the batches' mean %v", es.Epoch, es.AuxLoss, want)
		}
	}
	b, err := json.Marshal(stats[0])
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["aux_loss"] != *stats[0].AuxLoss {
		t.Errorf("the JSON record %s lacks aux_loss %v", b, *stats[0].AuxLoss)
	}
	for _, tc := range []struct{ name, params string }{{"dien", `{"hidden": [8], "aux_alpha": 0}`}, {"din", `{"hidden": [8]}`}} {
		cfg.Epochs = 1
		res, err := Fit(context.Background(), newSeqModel(t, tc.name, l, tc.params, batch), view.Source(), nil, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a := res.Epochs[0].AuxLoss; a != nil {
			t.Errorf("%s %s: aux loss %v reported", tc.name, tc.params, *a)
		}
	}
}

package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// seqLayout is a behaviour layout in the built-in sources' shape: slots
// user, item, cat (item and cat of source item) and a numeric price, and
// the sequences hist_item (share item) and hist_cat (share cat) of max_len
// L. Item ids run over items rows, categories over cats.
func seqLayout(items, cats, L, k int) Layout {
	l := Layout{Rows: 1}
	table := func(name string, size int, fields ...string) int {
		l.Tables = append(l.Tables, feature.Table{Name: name, Offset: int32(l.Rows), Size: int32(size), Dim: k, Fields: fields})
		l.Rows += size
		return len(l.Tables) - 1
	}
	tu := table("user", 4, "user")
	ti := table("item", items, "hist_item", "item")
	tc := table("cat", cats, "hist_cat", "cat")
	tp := table("price", 1, "price")
	l.Slots = []Slot{
		{Name: "user", Table: tu, Dim: k, Source: feature.User},
		{Name: "item", Table: ti, Dim: k, Source: feature.Item},
		{Name: "cat", Table: tc, Dim: k, Source: feature.Item},
		{Name: "price", Table: tp, Dim: k, Source: feature.Item, Numeric: true},
	}
	l.Seqs = []feature.SeqSlot{{Field: "hist_item", Offset: 0, MaxLen: L}, {Field: "hist_cat", Offset: L, MaxLen: L}}
	l.SeqLen = 2 * L
	return l
}

// seqBatch draws n rows for a seqLayout: random slots (the candidate item
// now and then padded), history lengths covering 0 and L, random labels.
// Ids are drawn from every table row but the last, which stays unused so
// that tests can put it at padded positions.
func seqBatch(l Layout, n int, seed uint64) *Batch {
	rng := nn.NewRand(seed)
	f, L := len(l.Slots), l.Seqs[0].MaxLen
	b := &Batch{
		N: n, IDs: make([]int32, n*f), Values: make([]float32, n*f), Label: make([]float32, n),
		Seq: make([]int32, n*l.SeqLen), SeqLens: make([]int32, n*len(l.Seqs)),
	}
	draw := func(t feature.Table) int32 {
		if t.Size == 1 {
			return t.Offset
		}
		return t.Offset + int32(rng.IntN(int(t.Size)-1))
	}
	for i := range n {
		for j, s := range l.Slots {
			b.IDs[i*f+j] = draw(l.Tables[s.Table])
			b.Values[i*f+j] = 1
			if s.Numeric {
				b.Values[i*f+j] = float32(rng.Float64()*2 - 1)
			} else if rng.IntN(10) == 0 {
				b.IDs[i*f+j] = 0
			}
		}
		ln := rng.IntN(L + 1)
		switch i {
		case 0:
			ln = L
		case 1:
			ln = 0
		}
		for j, q := range l.Seqs {
			b.SeqLens[i*len(l.Seqs)+j] = int32(ln)
			t := l.Tables[seqTable(l, q.Field)]
			for p := range ln {
				b.Seq[i*l.SeqLen+q.Offset+p] = draw(t)
			}
		}
		b.Label[i] = float32(rng.IntN(2))
	}
	return b
}

// seqTable returns the table index of field.
func seqTable(l Layout, field string) int {
	for i, t := range l.Tables {
		for _, f := range t.Fields {
			if f == field {
				return i
			}
		}
	}
	panic(field)
}

// seqModels builds each sequence model by name with small widths; params
// adds JSON options.
func newSeqModel(t *testing.T, name, params string, l Layout, maxBatch int, seed uint64) Model {
	t.Helper()
	small := `"hidden": [5], "init_std": 0.1`
	if name == "din" {
		small += `, "attention_hidden": [4]`
	}
	if params != "" {
		small += ", " + params
	}
	m, _, err := New(name, []byte("{"+small+"}"), Env{Layout: l, MaxBatch: maxBatch, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var seqModelNames = []string{"seqbase", "din", "dien"}

// stepCopy runs one training step (log loss) and returns the logits and
// every gradient (dense parameters, then the tables densified), copied.
func stepCopy(m Model, b *Batch) (logits []float32, grads [][]float32) {
	zeroGrads(m)
	dl := make([]float32, b.N)
	out := m.Forward(b)
	logits = append([]float32(nil), out...)
	nn.SigmoidLogLoss(dl, out, b.Label, nil)
	m.Backward(dl)
	for _, p := range Params(m) {
		grads = append(grads, append([]float32(nil), p.G...))
	}
	for _, tb := range Tables(m) {
		grads = append(grads, tb.DenseGrad())
	}
	return logits, grads
}

func TestSeqPairingErrors(t *testing.T) {
	base := seqLayout(6, 3, 4, 3)
	noCand := seqLayout(6, 3, 4, 3)
	noCand.Slots = []Slot{noCand.Slots[0], noCand.Slots[1], noCand.Slots[3]} // no cat slot
	twoItems := seqLayout(6, 3, 4, 3)
	twoItems.Slots = append(twoItems.Slots, Slot{Name: "prev_item", Table: 1, Dim: 3, Source: feature.Item})
	orphan := seqLayout(6, 3, 4, 3)
	orphan.Seqs = append(orphan.Seqs, feature.SeqSlot{Field: "hist_query", Offset: 8, MaxLen: 2})
	orphan.SeqLen = 10
	noSeq := seqLayout(6, 3, 4, 3)
	noSeq.Seqs, noSeq.SeqLen = nil, 0
	cases := []struct {
		name string
		l    Layout
		want string
	}{
		{"no candidate", noCand, `sequence "hist_cat" has no candidate`},
		{"two candidates", twoItems, `"item", "prev_item"`},
		{"no table", orphan, `sequence "hist_query" reads no embedding table`},
		{"no sequence", noSeq, "no sequence field"},
	}
	for _, name := range seqModelNames {
		for _, c := range cases {
			_, _, err := New(name, nil, Env{Layout: c.l, MaxBatch: 4, Seed: 1})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: error %v, want one containing %q", name, c.name, err, c.want)
			}
		}
		// A second candidate is fine when exactly one has source item.
		ok := seqLayout(6, 3, 4, 3)
		ok.Slots = append(ok.Slots, Slot{Name: "prev_item", Table: 1, Dim: 3, Source: feature.Context})
		if _, _, err := New(name, nil, Env{Layout: ok, MaxBatch: 4, Seed: 1}); err != nil {
			t.Errorf("%s: the item-source candidate was not chosen: %v", name, err)
		}
		if _, _, err := New(name, nil, Env{Layout: base, MaxBatch: 4, Seed: 1}); err != nil {
			t.Errorf("%s with defaults: %v", name, err)
		}
	}
}

func TestSeqOptionErrors(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	cases := []struct{ model, params, want string }{
		{"seqbase", `{"activation": "tanh"}`, `activation = "tanh", want "dice", "prelu" or "relu"`},
		{"seqbase", `{"hidden": [4, 0]}`, "hidden[1] = 0"},
		{"seqbase", `{"embedding_reg": "l1"}`, `embedding_reg = "l1"`},
		{"seqbase", `{"l2_emb": -1}`, "l2_emb = -1"},
		{"seqbase", `{"init_std": 0}`, "init_std = 0"},
		{"din", `{"attention_weighting": "norm"}`, `attention_weighting = "norm", want "raw", "softmax" or "scaled-softmax"`},
		{"din", `{"attention_activation": "tanh"}`, `attention_activation = "tanh"`},
		{"din", `{"attention_hidden": []}`, "attention_hidden = [], want at least 1"},
		{"dien", `{"variant": "lstm"}`, `variant = "lstm", want "augru", "aigru" or "agru"`},
		{"dien", `{"aux_alpha": -0.5}`, "aux_alpha = -0.5"},
		{"dien", `{"gru_hidden": 4}`, "gru_hidden = 4, but the auxiliary loss"},
		{"dien", `{"gru_hidden": -1}`, "gru_hidden = -1"},
		{"dien", `{"embedding_dim": 0, "gru_hiden": 6}`, `unknown field "gru_hiden"`},
	}
	for _, c := range cases {
		_, _, err := New(c.model, []byte(c.params), Env{Layout: l, MaxBatch: 4, Seed: 1})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %v, want one containing %q", c.model, c.params, err, c.want)
		}
	}
	// Without the auxiliary loss the GRU may have any width.
	if _, _, err := New("dien", []byte(`{"gru_hidden": 4, "aux_alpha": 0}`), Env{Layout: l, MaxBatch: 4, Seed: 1}); err != nil {
		t.Error(err)
	}
}

// TestSeqGatherAndSharing checks the gathering by hand: the candidate and
// the history read the same table rows (changing a row moves both), an item
// and its category form one behaviour, and a missing element (id 0 inside
// the length) is left out like padding.
func TestSeqGatherAndSharing(t *testing.T) {
	const L, k = 4, 2
	l := seqLayout(6, 3, L, k)
	for _, name := range seqModelNames {
		m := newSeqModel(t, name, "", l, 4, 1)
		in := seqInputsOf(m)
		if len(Tables(m)) != 1 || len(in.groups) != 1 || in.groups[0].width != 2*k {
			t.Fatalf("%s: %d tables, %d behaviour groups; want one table and one item⊕cat behaviour", name, len(Tables(m)), len(in.groups))
		}
		item, cat := l.Tables[1].Offset+2, l.Tables[2].Offset+1
		b := &Batch{
			N: 1, IDs: []int32{1, item, cat, l.Tables[3].Offset}, Values: []float32{1, 1, 1, 0.5},
			// hist_item: item, 0 (missing), item+1; hist_cat: cat, 0, cat; padding after 3.
			Seq: []int32{item, 0, item + 1, 0, cat, 0, cat, 0}, SeqLens: []int32{3, 3},
		}
		check := func() {
			t.Helper()
			m.Forward(b)
			g := in.groups[0]
			vi, vc := in.v.Row(item), in.v.Row(cat)
			want := map[string][]float32{
				"query":  append(append([]float32{}, vi...), vc...),
				"step 0": append(append([]float32{}, vi...), vc...),
				"step 1": append(append([]float32{}, in.v.Row(item+1)...), vc...),
			}
			got := map[string][]float32{"query": g.query[:2*k], "step 0": g.hist[:2*k], "step 1": g.hist[2*k : 4*k]}
			for what, w := range want {
				if !equalBits(got[what], w) {
					t.Errorf("%s: %s = %v, want %v", name, what, got[what], w)
				}
			}
			if g.lens[0] != 2 || g.src[0] != 0 || g.src[1] != 2 {
				t.Errorf("%s: gathered length %d, positions %v; want 2 behaviours at 0 and 2", name, g.lens[0], g.src[:2])
			}
		}
		check()
		row := in.v.Row(item)
		for c := range row {
			row[c] += 0.25
		}
		check()
	}
}

// seqInputsOf returns the input side of a sequence model.
func seqInputsOf(m Model) *seqInputs {
	switch m := m.(type) {
	case *SeqBase:
		return m.in
	case *DIN:
		return m.in
	case *DIEN:
		return m.in
	}
	panic("not a sequence model")
}

// TestSeqPaddingIsInert changes every id at padded positions to a row no
// real position reads, fills that row and the padding row with garbage, and
// checks that logits and gradients keep every bit; the rows get no
// gradient. The batch has an empty history and a full one.
func TestSeqPaddingIsInert(t *testing.T) {
	const L = 5
	l := seqLayout(7, 4, L, 3)
	b := seqBatch(l, 8, 3)
	params := map[string][]string{
		"seqbase": {""},
		"din":     {"", `"attention_weighting": "softmax"`},
		"dien":    {"", `"variant": "aigru"`, `"variant": "agru"`},
	}
	for _, name := range seqModelNames {
		for _, p := range params[name] {
			m := newSeqModel(t, name, p, l, 8, 1)
			randomize(m, 0.5, 2)
			logits, grads := stepCopy(m, b)

			c := *b
			c.Seq = append([]int32(nil), b.Seq...)
			unused := []int32{l.Tables[1].Offset + l.Tables[1].Size - 1, l.Tables[2].Offset + l.Tables[2].Size - 1}
			for i := range b.N {
				for j, q := range l.Seqs {
					for pos := int(b.SeqLens[i*2+j]); pos < L; pos++ {
						c.Seq[i*l.SeqLen+q.Offset+pos] = unused[j]
					}
				}
			}
			v := Tables(m)[0]
			for _, r := range append(unused, 0) {
				for d := range v.Row(r) {
					v.Row(r)[d] = 7 + float32(d)
				}
			}
			logits2, grads2 := stepCopy(m, &c)
			if !equalBits(logits, logits2) {
				t.Errorf("%s %s: padded ids changed the logits", name, p)
			}
			last := len(grads) - 1
			for gi := range grads {
				if gi == last {
					// The table's gradient, but for the garbage rows (all-zero).
					for _, r := range unused {
						for d := range v.Dim {
							if g := grads2[last][int(r)*v.Dim+d]; g != 0 {
								t.Errorf("%s %s: padded row %d got gradient %v", name, p, r, g)
							}
						}
					}
				}
				if !equalBits(grads[gi], grads2[gi]) {
					t.Errorf("%s %s: padded ids changed gradient %d", name, p, gi)
				}
			}
		}
	}
}

// TestSeqEmptyHistories runs every model on a batch without any history.
func TestSeqEmptyHistories(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 5, 4)
	clear(b.Seq)
	clear(b.SeqLens)
	for _, name := range seqModelNames {
		m := newSeqModel(t, name, "", l, 8, 1)
		randomize(m, 0.5, 2)
		logits, grads := stepCopy(m, b)
		for i, z := range logits {
			if math.IsNaN(float64(z)) || math.IsInf(float64(z), 0) {
				t.Fatalf("%s: row %d logit %v", name, i, z)
			}
		}
		for gi, g := range grads {
			for _, v := range g {
				if math.IsNaN(float64(v)) {
					t.Fatalf("%s: gradient %d is NaN", name, gi)
				}
			}
		}
		if a, ok := m.(interface{ Attention() ([]float32, int) }); ok {
			w, _ := a.Attention()
			for _, x := range w {
				if x != 0 {
					t.Fatalf("%s: attention %v with no history", name, w)
				}
			}
		}
		if d, ok := m.(*DIEN); ok && d.AuxLoss() != 0 {
			t.Errorf("dien: auxiliary loss %v with no history", d.AuxLoss())
		}
	}
}

func TestSeqDeterministic(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 8, 5)
	for _, name := range seqModelNames {
		a1, g1 := stepCopy(newSeqModel(t, name, "", l, 8, 11), b)
		a2, g2 := stepCopy(newSeqModel(t, name, "", l, 8, 11), b)
		if !equalBits(a1, a2) {
			t.Errorf("%s: same seed, different logits", name)
		}
		for i := range g1 {
			if !equalBits(g1[i], g2[i]) {
				t.Errorf("%s: same seed, different gradient %d", name, i)
			}
		}
		if a3, _ := stepCopy(newSeqModel(t, name, "", l, 8, 12), b); equalBits(a1, a3) {
			t.Errorf("%s: another seed gave the same logits", name)
		}
	}
}

func TestSeqStepsDoNotAllocate(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 8, 6)
	for _, name := range seqModelNames {
		m := newSeqModel(t, name, "", l, 8, 1)
		dout := make([]float32, b.N)
		ps, ts := Params(m), Tables(m)
		step := func() {
			for _, p := range ps {
				p.ZeroGrad()
			}
			for _, tb := range ts {
				tb.ZeroGrad()
			}
			copy(dout, m.Forward(b))
			m.Backward(dout)
		}
		step()
		if a := testing.AllocsPerRun(10, step); a != 0 {
			t.Errorf("%s: %v allocations per step", name, a)
		}
	}
}

// TestSeqRowFrequencies counts a batch by hand and checks that the "mba"
// regularization reads the counts and "batch" ignores them.
func TestSeqRowFrequencies(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 6, 7)
	freq := make([]uint32, l.Rows)
	CountRowFrequencies(freq, l, b)
	want := make([]uint32, l.Rows)
	for i := range b.N {
		for _, id := range b.IDs[i*4 : i*4+4] {
			if id != 0 {
				want[id]++
			}
		}
		for j, q := range l.Seqs {
			for p := range int(b.SeqLens[i*2+j]) {
				want[b.Seq[i*l.SeqLen+q.Offset+p]]++
			}
		}
	}
	if want[0] != 0 || !slices.Equal(freq, want) {
		t.Fatalf("counts %v, want %v", freq, want)
	}
	for _, name := range seqModelNames {
		for _, reg := range []string{"batch", "mba"} {
			m := newSeqModel(t, name, `"embedding_reg": "`+reg+`", "l2_emb": 0.5`, l, 8, 1)
			u := m.(RowFrequencyUser)
			if err := u.SetRowFrequencies(freq[:3]); err == nil || !strings.Contains(err.Error(), "3 counts for a layout of") {
				t.Errorf("%s: short counts: error %v", name, err)
			}
			if err := u.SetRowFrequencies(freq); err != nil {
				t.Fatal(err)
			}
			r := m.Parts()[0].Tables[0].Reg
			switch {
			case reg == "batch" && (r.Kind != optim.RegBatch || r.Freq != nil || r.L2 != 0.5):
				t.Errorf("%s batch: regularization %+v", name, r)
			case reg == "mba" && (r.Kind != optim.RegMBA || !slices.Equal(r.Freq, freq) || r.L2 != 0.5):
				t.Errorf("%s mba: regularization %v %v, want the counts", name, r.Kind, r.L2)
			}
		}
		if r := newSeqModel(t, name, `"embedding_reg": "mba"`, l, 8, 1).Parts()[0].Tables[0].Reg; r.Kind != optim.RegNone {
			t.Errorf("%s: λ = 0 regularizes with %v", name, r.Kind)
		}
	}
}

// fitBatch fits encoders of s on the records (columns cols) and encodes
// them into one batch.
func fitBatch(t *testing.T, s *feature.Schema, cols []string, recs [][]string) (*feature.Encoders, *Batch) {
	t.Helper()
	ft, err := feature.NewFitter(s, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := ft.Observe(bytesCols(r)); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := ft.Encoders()
	if err != nil {
		t.Fatal(err)
	}
	re, err := enc.Bind(cols)
	if err != nil {
		t.Fatal(err)
	}
	b := &Batch{N: len(recs)}
	ex := enc.NewExample()
	for _, r := range recs {
		if err := re.Encode(bytesCols(r), ex); err != nil {
			t.Fatal(err)
		}
		b.IDs, b.Values = append(b.IDs, ex.IDs...), append(b.Values, ex.Values...)
		b.Seq, b.SeqLens = append(b.Seq, ex.Seq...), append(b.SeqLens, ex.SeqLens...)
		b.Label = append(b.Label, ex.Label)
	}
	return enc, b
}

// TestSeqFromSchema builds the models from encoders fitted on a DIN-style
// schema, so that the pairing reads what feature.NewLayout produces.
func TestSeqFromSchema(t *testing.T) {
	s, err := feature.ParseSchema([]byte(`
fields:
  - {name: clk, type: label}
  - {name: user, type: categorical, source: user}
  - {name: hist_items, type: sequence, source: user, share: item, max_len: 3}
  - {name: hist_cats, type: sequence, source: user, share: cat, max_len: 3}
  - {name: item, type: categorical, source: item, share: item}
  - {name: cat, type: categorical, source: item, share: cat}
`))
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"clk", "user", "hist_items", "hist_cats", "item", "cat"}
	recs := [][]string{
		{"1", "u1", "a|b|c|d", "x|x|y|y", "e", "y"},
		{"0", "u2", "", "", "a", "x"},
		{"1", "u1", "b", "x", "c", "y"},
	}
	enc, b := fitBatch(t, s, cols, recs)
	l := NewLayout(enc)
	for _, name := range seqModelNames {
		m := newSeqModel(t, name, "", l, 4, 1)
		in := seqInputsOf(m)
		g := in.groups[0]
		if len(in.groups) != 1 || l.Slots[g.slots[0]].Name != "item" || l.Slots[g.slots[1]].Name != "cat" {
			t.Fatalf("%s: pairing %+v of slots %+v", name, g, l.Slots)
		}
		m.Forward(b)
		// Row 0 keeps the last 3 of a|b|c|d: its second behaviour is c,
		// the candidate of row 2.
		if !equalBits(g.hist[g.width:g.width+in.dim], g.query[2*g.width:2*g.width+in.dim]) {
			t.Errorf("%s: history item c and candidate item c read different rows", name)
		}
		if g.lens[0] != 3 || g.lens[1] != 0 || g.lens[2] != 1 {
			t.Errorf("%s: lengths %v, want 3 0 1", name, g.lens[:3])
		}
	}
}

func bytesCols(r []string) [][]byte {
	out := make([][]byte, len(r))
	for i, s := range r {
		out[i] = []byte(s)
	}
	return out
}

package model

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// This file holds what the behaviour-sequence models (seqbase, DIN, DIEN)
// share: one embedding table over the global id space read by the slots and
// by the histories, the pairing of each history with its candidate slot, and
// the gathering of a batch's histories into left-aligned behaviour matrices.
//
// Pairing. A sequence is paired with the slot whose field reads the same
// embedding table (the schema's `share:`), so a history item and the
// candidate item read the very same rows. A sequence whose table no slot
// reads is an error at construction; when several slots read it, the one
// whose source is item is the candidate, and several such is an error too.
//
// Behaviours. Sequences of the same max_len are read as one behaviour
// sequence, position by position: the history item and the history category
// at position p are the item and the category of one behaviour, whose
// embedding is their concatenation (DIN's item_id ⊕ cate_id), as is the
// candidate's (the paired slots' embeddings in the same order). Sequences of
// other lengths form behaviour sequences of their own, each pooled apart.
//
// Padding. A sequence of length n holds its ids at positions [0, n) when
// padded at the end (the schema's default) and at [max_len−n, max_len)
// when padded at the start (feature.SeqSlot.Start): its p-th real element
// is read from where its padding side puts it, so both sides give the same
// behaviours and the same scores. An element is real when p < n and its id
// is not 0: an id 0 inside the length (a missing element under `missing:
// pad`) is masked as padding too. A behaviour is real when
// any of its sequences is real there; a member that is not embeds to zero.
// The real behaviours of a row are gathered to the left in their order, so
// the attention and recurrent layers see lengths, and ids or rows at padded
// positions are never read. The weights the models report (Attention) are
// scattered back to the positions of Batch.Seq.

// seqGroup is one behaviour sequence: the layout's sequences of one max_len.
type seqGroup struct {
	// name is the first member's field name, for parameter names.
	name string
	// seqs index Layout.Seqs; offs are their offsets in a row's Seq; slots
	// are the candidate slots paired with them.
	seqs, offs, slots []int
	// steps is the sequences' max_len L; width the behaviour width D =
	// members × k.
	steps, width int

	hist []float32 // maxBatch×L×D: each row's real behaviours first, then zeros
	// base is, per row and member j, where member j's p-th element is in
	// the row's Seq: base + p (its offset plus its padding's shift).
	base  []int32   // maxBatch×members
	lens  []int32   // maxBatch: real behaviours per row
	src   []int32   // maxBatch×L: the sequence position of gathered step q
	query []float32 // maxBatch×D: the candidate's embedding
	// hash digests the last gather's ids (DIEN seeds its negatives with it).
	hash uint64
}

// seqInputs is the input side of a sequence model: the table, the slots'
// lookups, the behaviour sequences, and the embedding gradient's assembly.
type seqInputs struct {
	layout Layout
	v      *nn.Table
	emb    *nn.FieldEmbedding
	// fields and dim are F (slots per row) and k.
	fields, dim int
	groups      []*seqGroup
	reg         optim.TableReg

	b  *Batch    // the last Forward's batch, read again by Backward
	n  int       // its rows
	e  []float32 // n×F×k slot embeddings, owned by emb
	de []float32 // maxBatch×F×k: dL/de, assembled by the model's Backward
}

// SeqConfig holds the hyper-parameters every sequence model shares.
type SeqConfig struct {
	// EmbeddingDim is k; 0 takes the schema's width, which must then be
	// the same for every field.
	EmbeddingDim int `json:"embedding_dim"`
	// InitStd is the standard deviation of the embeddings' initial values.
	InitStd float64 `json:"init_std"`
	// Hidden lists the MLP's hidden widths, input side first; the output
	// unit follows them.
	Hidden []int `json:"hidden"`
	// Activation is the MLP's hidden activation: "dice", "prelu" or "relu".
	Activation string `json:"activation"`
	// EmbeddingReg is the table's regularization, "batch" (L2 on the rows
	// a batch touches) or "mba" (DIN's mini-batch aware L2, λ/n_r on a
	// touched row r of training frequency n_r); L2Emb is its λ, 0 for none.
	EmbeddingReg string  `json:"embedding_reg"`
	L2Emb        float64 `json:"l2_emb"`
}

// seqActivations are the MLP activations a sequence model offers.
var (
	seqActivationNames = []string{"dice", "prelu", "relu"}
	seqRegNames        = []string{"batch", "mba"}
)

// mlpActivation returns the nn settings of activation name (see
// SeqConfig.Activation) or an error naming option.
func mlpActivation(option, name string) (nn.Activation, nn.LearnedActivation, error) {
	type act struct {
		fused   nn.Activation
		learned nn.LearnedActivation
	}
	a, err := cfgChoice(option, name, seqActivationNames, []act{
		{nn.ActNone, nn.LearnedDice}, {nn.ActNone, nn.LearnedPReLU}, {nn.ActReLU, nn.NoLearnedActivation},
	})
	return a.fused, a.learned, err
}

// check validates the shared options.
func (c SeqConfig) check() error {
	if err := cfgWidths("hidden", c.Hidden, 0); err != nil {
		return err
	}
	if _, _, err := mlpActivation("activation", c.Activation); err != nil {
		return err
	}
	if _, err := cfgChoice("embedding_reg", c.EmbeddingReg, seqRegNames, seqRegNames); err != nil {
		return err
	}
	return cfgNonNegative("l2_emb", c.L2Emb)
}

// newMLP builds the model's output MLP over in inputs: the hidden layers
// and one linear output unit (the logit).
func (c SeqConfig) newMLP(name string, in, maxBatch int, rng *rand.Rand) *nn.MLP {
	fused, learned, _ := mlpActivation("activation", c.Activation)
	return nn.NewMLP(nn.MLPConfig{
		Name: name, In: in, Hidden: append([]int(nil), c.Hidden...),
		Activation: fused, Learned: learned, Out: 1, OutActivation: nn.ActNone,
	}, maxBatch, rng)
}

// newSeqInputs validates the layout and builds the input side of model
// name: the table "<name>.v" drawn from N(0, InitStd²) first, then nothing
// else; it returns the generator, for the model's other parameters.
func newSeqInputs(name string, env Env, cfg SeqConfig) (*seqInputs, *rand.Rand, error) {
	l := env.Layout
	if len(l.Seqs) == 0 {
		return nil, nil, fmt.Errorf("the schema has no sequence field; %s pools a behaviour history (a field of type sequence sharing the candidate's table)", name)
	}
	dim, err := checkFMBase(env, cfg.EmbeddingDim, cfg.InitStd)
	if err != nil {
		return nil, nil, err
	}
	groups, err := pairSequences(l, dim)
	if err != nil {
		return nil, nil, err
	}
	for _, g := range groups {
		rows := env.MaxBatch * g.steps
		g.hist = make([]float32, rows*g.width)
		g.lens = make([]int32, env.MaxBatch)
		g.base = make([]int32, env.MaxBatch*len(g.seqs))
		g.src = make([]int32, rows)
		g.query = make([]float32, env.MaxBatch*g.width)
	}
	rng := env.Rand()
	v := env.table(name+".v", l.Rows, dim, true)
	v.InitNormal(cfg.InitStd, rng)
	f := len(l.Slots)
	s := &seqInputs{
		layout: l, v: v, fields: f, dim: dim, groups: groups,
		emb: nn.NewFieldEmbedding(v, f, env.MaxBatch),
		de:  make([]float32, env.MaxBatch*f*dim),
	}
	if cfg.L2Emb > 0 {
		s.reg = optim.TableReg{Kind: optim.RegBatch, L2: float32(cfg.L2Emb)}
		if cfg.EmbeddingReg == "mba" {
			// Zero counts read as 1 (per-batch L2) until SetRowFrequencies.
			s.reg = optim.TableReg{Kind: optim.RegMBA, L2: float32(cfg.L2Emb), Freq: make([]uint32, l.Rows)}
		}
	}
	return s, rng, nil
}

// pairSequences pairs every sequence of l with its candidate slot and
// groups them into behaviour sequences (see the file's comment).
func pairSequences(l Layout, dim int) ([]*seqGroup, error) {
	var groups []*seqGroup
	byLen := map[int]*seqGroup{}
	for si, q := range l.Seqs {
		if q.MaxLen < 1 {
			return nil, fmt.Errorf("sequence %q has max_len %d, want ≥ 1", q.Field, q.MaxLen)
		}
		ti := -1
		for i, t := range l.Tables {
			for _, f := range t.Fields {
				if f == q.Field {
					ti = i
				}
			}
		}
		if ti < 0 {
			return nil, fmt.Errorf("sequence %q reads no embedding table of the layout", q.Field)
		}
		slot, err := candidateSlot(l, q.Field, ti)
		if err != nil {
			return nil, err
		}
		g := byLen[q.MaxLen]
		if g == nil {
			g = &seqGroup{name: q.Field, steps: q.MaxLen}
			byLen[q.MaxLen] = g
			groups = append(groups, g)
		}
		g.seqs = append(g.seqs, si)
		g.offs = append(g.offs, q.Offset)
		g.slots = append(g.slots, slot)
		g.width += dim
	}
	return groups, nil
}

// candidateSlot returns the slot paired with sequence field, whose table is
// ti: the one slot reading ti, or the one of source item among several.
func candidateSlot(l Layout, field string, ti int) (int, error) {
	var all, items []int
	for i, s := range l.Slots {
		if s.Table == ti {
			all = append(all, i)
			if s.Source == feature.Item {
				items = append(items, i)
			}
		}
	}
	names := func(idx []int) string {
		ns := make([]string, len(idx))
		for i, j := range idx {
			ns[i] = fmt.Sprintf("%q", l.Slots[j].Name)
		}
		return strings.Join(ns, ", ")
	}
	switch {
	case len(all) == 1:
		return all[0], nil
	case len(all) == 0:
		return 0, fmt.Errorf("sequence %q has no candidate: no categorical field shares its embedding table %q (declare the candidate, e.g. the item, and give the sequence `share: <candidate field>`)", field, l.Tables[ti].Name)
	case len(items) == 1:
		return items[0], nil
	}
	return 0, fmt.Errorf("sequence %q shares its embedding table %q with several fields (%s); mark exactly one of them `source: item` as the candidate", field, l.Tables[ti].Name, names(all))
}

// putCols copies n rows of width w from src into columns o..o+w of the
// row-major x whose rows are stride wide: how the sequence models lay the
// slot embeddings and each history's summary side by side for their MLP.
func putCols(x []float32, stride, o int, src []float32, w, n int) {
	for i := range n {
		copy(x[i*stride+o:i*stride+o+w], src[i*w:(i+1)*w])
	}
}

// forward looks up the slots of b and gathers every behaviour sequence and
// candidate; it returns the n×F×k slot embeddings.
func (s *seqInputs) forward(b *Batch) []float32 {
	n := b.N
	l := s.layout
	if len(b.Seq) < n*l.SeqLen || len(b.SeqLens) < n*len(l.Seqs) {
		panic(fmt.Sprintf("model: batch of %d rows has %d sequence ids and %d lengths, want %d and %d", n, len(b.Seq), len(b.SeqLens), n*l.SeqLen, n*len(l.Seqs)))
	}
	s.b, s.n = b, n
	s.e = s.emb.Forward(b.IDs, b.Values, n)
	for _, g := range s.groups {
		s.gather(g, b)
	}
	return s.e
}

// gather fills g's behaviours, lengths and candidates from b.
func (s *seqInputs) gather(g *seqGroup, b *Batch) {
	n, k, L, D := b.N, s.dim, g.steps, g.width
	g.hash = s.index(g, b, g.base, g.src, g.lens)
	for i := range n {
		q := int(g.lens[i])
		for j := range q {
			s.behaviourAt(g, b, g.base, g.src, i, j, g.hist[(i*L+j)*D:(i*L+j+1)*D])
		}
		clear(g.hist[(i*L+q)*D : (i+1)*L*D])
		qd := g.query[i*D : (i+1)*D]
		for j, slot := range g.slots {
			o := (i*s.fields + slot) * k
			copy(qd[j*k:(j+1)*k], s.e[o:o+k])
		}
	}
}

// index finds g's real behaviours in the rows of b: per row and member j,
// where the member's p-th element is in the row's Seq (base + p); per row,
// how many behaviours are real (lens); per gathered step, its sequence
// position (src, L per row). It returns a digest of the ids, row by row.
// It panics on a length or an id outside the layout.
func (s *seqInputs) index(g *seqGroup, b *Batch, base, src, lens []int32) uint64 {
	L := g.steps
	l := s.layout
	nseq := len(l.Seqs)
	rows := uint32(s.v.Rows)
	h := uint64(0x243f6a8885a308d3)
	m := len(g.seqs)
	for i := range b.N {
		seq := b.Seq[i*l.SeqLen : (i+1)*l.SeqLen]
		ls := b.SeqLens[i*nseq : (i+1)*nseq]
		bs := base[i*m : (i+1)*m]
		end := 0
		for j, si := range g.seqs {
			ln := int(ls[si])
			if ln < 0 || ln > L {
				panic(fmt.Sprintf("model: row %d: sequence %q has length %d outside [0, %d]", i, l.Seqs[si].Field, ln, L))
			}
			end = max(end, ln)
			bs[j] = int32(g.offs[j] + l.Seqs[si].Start(ln))
		}
		q := 0
		for p := range end {
			real := false
			for j, si := range g.seqs {
				if p < int(ls[si]) && seq[int(bs[j])+p] != 0 {
					real = true
					break
				}
			}
			if !real {
				continue
			}
			for j, si := range g.seqs {
				if p >= int(ls[si]) {
					continue
				}
				id := seq[int(bs[j])+p]
				if id == 0 {
					continue
				}
				if uint32(id) >= rows {
					panic(fmt.Sprintf("model: row %d: sequence %q has id %d at position %d, outside [0, %d)", i, l.Seqs[si].Field, id, p, rows))
				}
				h = (h ^ uint64(id)) * 0x100000001b3
			}
			src[i*L+q] = int32(p)
			q++
		}
		lens[i] = int32(q)
		h = (h ^ uint64(q)<<32) * 0x100000001b3
	}
	return h
}

// behaviourAt writes into dst (len D) the embedding of row i's q-th real
// behaviour in g, as index found it in b: its members' rows side by side,
// zero for a member that is not real there.
func (s *seqInputs) behaviourAt(g *seqGroup, b *Batch, base, src []int32, i, q int, dst []float32) {
	k, l, m := s.dim, s.layout, len(g.seqs)
	nseq := len(l.Seqs)
	seq := b.Seq[i*l.SeqLen : (i+1)*l.SeqLen]
	p := int(src[i*g.steps+q])
	t := s.v
	for j, si := range g.seqs {
		out := dst[j*k : (j+1)*k]
		if p >= int(b.SeqLens[i*nseq+si]) {
			clear(out)
			continue
		}
		id := seq[int(base[i*m+j])+p]
		if id == 0 {
			clear(out)
			continue
		}
		copy(out, t.Data[int(id)*t.Stride:int(id)*t.Stride+k])
	}
}

// addBehaviourGrad adds a·d (d of len D), the gradient of row i's q-th
// real behaviour in g as index found it in b, into the table rows it reads.
func (s *seqInputs) addBehaviourGrad(g *seqGroup, b *Batch, base, src []int32, i, q int, a float32, d []float32) {
	k, l, m := s.dim, s.layout, len(g.seqs)
	nseq := len(l.Seqs)
	seq := b.Seq[i*l.SeqLen : (i+1)*l.SeqLen]
	p := int(src[i*g.steps+q])
	for j, si := range g.seqs {
		if p >= int(b.SeqLens[i*nseq+si]) {
			continue
		}
		gr := s.v.GradRow(seq[int(base[i*m+j])+p]) // nil for id 0
		if gr == nil {
			continue
		}
		for c, v := range d[j*k : (j+1)*k] {
			gr[c] += a * v
		}
	}
}

// slotGrad returns the n×F×k slot gradient, set to dslots (the MLP's
// gradient of its slot inputs, n rows of stride wide of which the first
// F·k are the slots), for the candidates' gradients to be added to.
func (s *seqInputs) slotGrad(dx []float32, stride int) []float32 {
	fk := s.fields * s.dim
	de := s.de[:s.n*fk]
	for i := range s.n {
		copy(de[i*fk:(i+1)*fk], dx[i*stride:i*stride+fk])
	}
	return de
}

// addQueryGrad adds dL/dquery (n×D) of g to the candidate slots' gradient.
func (s *seqInputs) addQueryGrad(g *seqGroup, dq []float32) {
	k, D := s.dim, g.width
	for i := range s.n {
		for j, slot := range g.slots {
			dst := s.de[(i*s.fields+slot)*k:][:k]
			for c, v := range dq[i*D+j*k : i*D+(j+1)*k] {
				dst[c] += v
			}
		}
	}
}

// histGrad accumulates dL/dhist (n×L×D, read at real behaviours only) of g
// into the rows its behaviours read.
func (s *seqInputs) histGrad(g *seqGroup, dhist []float32) {
	L, D := g.steps, g.width
	for i := range s.n {
		for q := range int(g.lens[i]) {
			s.addBehaviourGrad(g, s.b, g.base, g.src, i, q, 1, dhist[(i*L+q)*D:(i*L+q+1)*D])
		}
	}
}

// backward accumulates the slots' gradient (de, assembled by the model)
// into the table.
func (s *seqInputs) backward() { s.emb.Backward(s.de[:s.n*s.fields*s.dim]) }

// tables returns the table with its regularization.
func (s *seqInputs) tables() []PartTable { return []PartTable{{Table: s.v, Reg: s.reg}} }

// setRowFrequencies copies freq into the mini-batch aware regularizer's
// counts (see RowFrequencyUser).
func (s *seqInputs) setRowFrequencies(freq []uint32) error {
	if len(freq) != s.layout.Rows {
		return fmt.Errorf("row frequencies: %d counts for a layout of %d rows", len(freq), s.layout.Rows)
	}
	if s.reg.Kind == optim.RegMBA {
		copy(s.reg.Freq, freq)
	}
	return nil
}

// rowFrequencyLayout returns the layout and whether the "mba"
// regularization is on (see RowFrequencyUser).
func (s *seqInputs) rowFrequencyLayout() (Layout, bool) { return s.layout, s.reg.Kind == optim.RegMBA }

// scatterWeights writes the per-step weights w (n×L, gathered order) of
// each group into out (n×SeqLen, Batch.Seq's layout): every sequence of a
// behaviour gets its weight where its element is (either padding side);
// padded positions get 0.
func (s *seqInputs) scatterWeights(out []float32, weights func(g int) []float32) []float32 {
	W := s.layout.SeqLen
	nseq := len(s.layout.Seqs)
	out = out[:s.n*W]
	clear(out)
	for gi, g := range s.groups {
		w := weights(gi)
		m := len(g.seqs)
		for i := range s.n {
			lens := s.b.SeqLens[i*nseq : (i+1)*nseq]
			for q := range int(g.lens[i]) {
				p := int(g.src[i*g.steps+q])
				for j, si := range g.seqs {
					if p < int(lens[si]) {
						out[i*W+int(g.base[i*m+j])+p] = w[i*g.steps+q]
					}
				}
			}
		}
	}
	return out
}

// behaviour maps column c of Attention's rows to its sequence (an index of
// Layout.Seqs) and position in Batch.Seq's layout (with padding at the
// start, the first real element of a sequence of length n is at max_len−n).
func (s *seqInputs) behaviour(c int) (seq, pos int) {
	for i, q := range s.layout.Seqs {
		if c >= q.Offset && c < q.Offset+q.MaxLen {
			return i, c - q.Offset
		}
	}
	panic(fmt.Sprintf("model: behaviour column %d outside [0, %d)", c, s.layout.SeqLen))
}

// CountRowFrequencies adds to freq (len l.Rows) the occurrences of every
// row in b: each slot's id and each real history position's (padding id 0
// and the positions outside a sequence's length, on its padding side, are
// not counted). Counts saturate
// rather than wrap.
func CountRowFrequencies(freq []uint32, l Layout, b *Batch) {
	inc := func(id int32) {
		if id != 0 && freq[id] != ^uint32(0) {
			freq[id]++
		}
	}
	for _, id := range b.IDs[:b.N*len(l.Slots)] {
		inc(id)
	}
	for i := range b.N {
		for j, q := range l.Seqs {
			ln := min(max(int(b.SeqLens[i*len(l.Seqs)+j]), 0), q.MaxLen)
			for _, id := range b.Seq[i*l.SeqLen+q.Offset+q.Start(ln):][:ln] {
				inc(id)
			}
		}
	}
}

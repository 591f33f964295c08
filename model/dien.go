package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/nn"
)

// DIEN is the Deep Interest Evolution Network of Zhou et al. (AAAI'19),
// docs/models/dien.md. Per behaviour sequence (see sequence.go: item ⊕
// category per behaviour, candidate e_A = item ⊕ category, one shared
// table):
//
//	h_t   = GRU(e_t, h_{t−1})                         interest extractor
//	a_t   = softmax_t(h_tᵀ W e_A)                     over the real steps
//	h'_t  = AUGRU(h_t, a_t, h'_{t−1})                 interest evolving
//	logit = MLP(concat[slot embeddings…, h'_T per behaviour sequence…])
//
// with the auxiliary loss on the extractor: for every real step t with a
// real successor, h_t should score the next behaviour e_{t+1} above a
// sampled one ê_{t+1},
//
//	L_aux = (1/P) Σ_{i,t} [−log σ(⟨h_t, e_{t+1}⟩) − log(1 − σ(⟨h_t, ê_{t+1}⟩))]
//
// over the P real (t, t+1) pairs of the batch, and the objective is
// L_target + α·L_aux (summed over behaviour sequences when there are
// several). The official code averages over every padded step as well, which
// shrinks its α by the batch's fraction of padding; here padding counts for
// nothing. Since Backward only receives dL/dlogit, DIEN adds α·∂L_aux itself;
// AuxLoss reports the last value. The auxiliary loss runs in training mode
// only (and not at α = 0).
//
// Negatives: ê_{t+1} is a real behaviour (all its sequences: item and
// category together) drawn uniformly from the other rows of the batch, so
// negatives follow the data's popularity as the official pre-sampled
// non-clicked items do; it may by chance be the positive item, and a row
// whose batch has no other history draws from its own. The draws come from a
// generator seeded by the model's seed (Reseed sets it per epoch) and a
// digest of the batch's behaviours, so repeated Forwards of one batch draw
// the same negatives, and a run is reproducible bit for bit.
//
// Shards (train.Stepper.Shard): a replica training a shard of a batch
// (Batch.Whole) computes its rows' part of the whole batch's auxiliary
// loss. It indexes the whole batch's behaviours (the pool, P and the
// digest), replays the draws of the rows before its own and draws its
// rows' negatives as the whole batch would, reading a negative of another
// shard's row from the table and adding its gradient to the table there;
// its part is normalized by the whole batch's P. The shards' parts add up
// to the whole batch's loss and gradient, up to the order of float sums;
// every replica draws with the model's seed (ShardReseeder).
//
// The ⟨h_t, e⟩ products need the GRU's hidden width to be the behaviour
// width D (36 for the paper's 18-wide item and category): gru_hidden 0 takes
// D, and another value is an error unless aux_alpha is 0. The evolving
// layer's width is the extractor's.
//
// Options and defaults: variant "augru" (the paper's), "aigru" (attention
// scales the input) or "agru" (attention replaces the update gate);
// aux_alpha 1 (the official code's; 0 turns the auxiliary loss off, as some
// benchmarks ran); MLP hidden [200, 80] with Dice (the official code's),
// "prelu" or "relu"; embedding_dim 0, the schema's width; init_std 0.01.
// Regularization: per-batch L2 on the touched table rows (embedding_reg
// "batch", or "mba"), λ = l2_emb, off by default; dense weights get the
// training configuration's weight_decay, if any.
//
// The extractor does not depend on the candidate: consecutive rows with the
// same history (one user's candidates, as scoring sends them) share one run
// of it, and Backward sums their gradients into it.
//
// The attention weights a_t of the last Forward are readable through
// Attention.
type DIEN struct {
	in  *seqInputs
	ext []*nn.GRU          // interest extractors, one per behaviour sequence
	att []*nn.SeqAttention // their attention
	evo []*nn.AUGRU        // interest evolving layers
	aux []*dienAux
	mlp *nn.MLP
	cfg DIENConfig
	x   []float32 // the MLP's input, maxBatch × xw
	xw  int
	w   []float32 // Attention's rows, maxBatch × SeqLen

	attW     [][]float32 // each group's weights of the last Forward, owned by att
	hs       [][]float32 // each group's extractor states of the last Forward, owned by ext
	training bool
	auxOn    bool // the last Forward computed the auxiliary loss
	auxLoss  float64
	seed     uint64
	pcg      *rand.PCG
	rng      *rand.Rand
}

// dienAux is the auxiliary loss's state for one behaviour sequence.
type dienAux struct {
	hidden int
	pool   []int32   // the batch's real behaviours, as flat steps i·L+q
	neg    []int32   // per flat step t: the negative's flat step
	dpos   []float32 // per flat step t: ∂/∂⟨h_t, e_{t+1}⟩ of the summed loss
	dneg   []float32 // per flat step t: ∂/∂⟨h_t, ê_{t+1}⟩ of the summed loss
	dlast  []float32 // maxBatch×H: dL/dh'_T, packed out of the MLP's gradient
	pairs  int       // P: the whole batch's pairs
	loss   float64

	// On a shard (Batch.Whole): the whole batch, where the shard begins
	// in it, and its behaviours as seqInputs.index finds them (wbase,
	// wsrc, wlens); negE holds, per flat step of the shard, the embedding
	// of a negative behaviour from another shard's row. neg then holds
	// the whole batch's flat steps. whole is nil for a batch of its own.
	whole              *Batch
	lo                 int
	wbase, wsrc, wlens []int32
	negE               []float32

	// Consecutive rows with the same history (one user's candidates, when
	// scoring) share one run of the extractor, whose states the rows then
	// read. runs is the last Forward's number of distinct histories (n
	// when none was shared); run maps a row to its history, first to the
	// history's first row.
	runs   int
	run    []int32
	first  []int32
	xu     []float32 // maxBatch×L×D: one behaviour matrix per run
	lensU  []int32
	hsE    []float32 // maxBatch×L×H: the runs' states, row by row
	dhsU   []float32 // maxBatch×L×H: the rows' state gradients summed per run
	dhistE []float32 // maxBatch×L×D: the run's input gradient at its first row
}

// DIENConfig holds DIEN's hyper-parameters.
type DIENConfig struct {
	SeqConfig
	// GRUHidden is the width of both GRUs; 0 takes the behaviour width D.
	GRUHidden int `json:"gru_hidden"`
	// Variant is the interest evolving layer: "augru", "aigru" or "agru".
	Variant string `json:"variant"`
	// AuxAlpha is α, the auxiliary loss's weight (≥ 0).
	AuxAlpha float64 `json:"aux_alpha"`
}

func init() {
	Register(Info{
		Name:     "dien",
		Task:     TaskSequence,
		Summary:  "DIEN: GRU interest extractor with auxiliary loss, attention-gated AUGRU interest evolution, MLP",
		Citation: "Zhou et al., Deep Interest Evolution Network for Click-Through Rate Prediction, AAAI 2019",
		Config: func() any {
			return &DIENConfig{
				SeqConfig: SeqConfig{InitStd: 0.01, Hidden: []int{200, 80}, Activation: "dice", EmbeddingReg: "batch"},
				Variant:   "augru", AuxAlpha: 1,
			}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewDIEN(env, *cfg.(*DIENConfig))
		},
		Footprint: footprintDIEN,
	})
}

// NewDIEN builds a DIEN, or returns an error naming the bad setting or the
// sequence without a candidate. The table is drawn first, then per
// behaviour sequence the extractor, the attention and the evolving layer,
// then the MLP, then the negative sampler's seed.
func NewDIEN(env Env, cfg DIENConfig) (*DIEN, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := cfgAtLeast("gru_hidden", cfg.GRUHidden, 0); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("aux_alpha", cfg.AuxAlpha); err != nil {
		return nil, err
	}
	variant, err := cfgChoice("variant", cfg.Variant, []string{"augru", "aigru", "agru"},
		[]nn.AttentionVariant{nn.VariantAUGRU, nn.VariantAIGRU, nn.VariantAGRU})
	if err != nil {
		return nil, err
	}
	in, rng, err := newSeqInputs("dien", env, cfg.SeqConfig)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	nb := env.MaxBatch
	m := &DIEN{in: in, cfg: cfg, xw: in.fields * in.dim, training: true}
	for _, g := range in.groups {
		H := cfg.GRUHidden
		if H == 0 {
			H = g.width
		}
		if H != g.width && cfg.AuxAlpha > 0 {
			return nil, fmt.Errorf("gru_hidden = %d, but the auxiliary loss scores ⟨h_t, e_{t+1}⟩ and needs it equal to the behaviour width %d of %q (embedding width × %d sequences); set gru_hidden to 0 or %d, or aux_alpha to 0",
				H, g.width, g.name, len(g.seqs), g.width)
		}
		L := g.steps
		m.ext = append(m.ext, nn.NewGRU("dien.gru."+g.name, g.width, H, nb, L, rng))
		m.att = append(m.att, nn.NewSeqAttention("dien.att."+g.name, H, g.width, nb, L, rng))
		m.evo = append(m.evo, nn.NewAUGRU("dien.augru."+g.name, variant, H, H, nb, L, rng))
		m.aux = append(m.aux, &dienAux{
			hidden: H,
			pool:   make([]int32, nb*L), neg: make([]int32, nb*L),
			dpos: make([]float32, nb*L), dneg: make([]float32, nb*L),
			dlast: make([]float32, nb*H),
			run:   make([]int32, nb), first: make([]int32, nb),
			xu: make([]float32, nb*L*g.width), lensU: make([]int32, nb),
			hsE: make([]float32, nb*L*H), dhsU: make([]float32, nb*L*H),
			dhistE: make([]float32, nb*L*g.width),
		})
		m.xw += H
	}
	m.attW = make([][]float32, len(in.groups))
	m.hs = make([][]float32, len(in.groups))
	m.mlp = cfg.newMLP("dien.mlp", m.xw, nb, rng)
	m.x = make([]float32, nb*m.xw)
	m.w = make([]float32, nb*env.Layout.SeqLen)
	m.seed = rng.Uint64()
	m.pcg = rand.NewPCG(0, 0)
	m.rng = rand.New(m.pcg)
	return m, nil
}

// Forward returns the logits of b; in training mode (with α > 0) it also
// computes the auxiliary loss (AuxLoss) and keeps what Backward needs of it.
func (m *DIEN) Forward(b *Batch) []float32 {
	n := b.N
	e := m.in.forward(b)
	fk := m.in.fields * m.in.dim
	x := m.x[:n*m.xw]
	putCols(x, m.xw, 0, e, fk, n)
	m.auxOn = m.training && m.cfg.AuxAlpha > 0
	m.auxLoss = 0
	o := fk
	for gi, g := range m.in.groups {
		L := g.steps
		hs := m.extract(gi, b)
		a := m.att[gi].Forward(hs, g.query, n, L, g.lens)
		m.attW[gi], m.hs[gi] = a, hs
		_, last := m.evo[gi].Forward(hs, a, n, L, g.lens)
		H := m.aux[gi].hidden
		putCols(x, m.xw, o, last, H, n)
		o += H
		if m.auxOn {
			m.auxLoss += m.auxForward(gi, hs, b)
		}
	}
	return m.mlp.Forward(x, n)
}

// extract runs group gi's interest extractor and returns its states
// (n×L×H): over the batch, or over its distinct histories only when
// consecutive rows share one.
func (m *DIEN) extract(gi int, b *Batch) []float32 {
	g, ax := m.in.groups[gi], m.aux[gi]
	n, L, D, H := b.N, g.steps, g.width, ax.hidden
	ax.runs = m.findRuns(g, ax, b)
	if ax.runs == n {
		hs, _ := m.ext[gi].Forward(g.hist, n, L, g.lens)
		return hs
	}
	for k, i := range ax.first[:ax.runs] {
		copy(ax.xu[k*L*D:(k+1)*L*D], g.hist[int(i)*L*D:(int(i)+1)*L*D])
		ax.lensU[k] = g.lens[i]
	}
	hsU, _ := m.ext[gi].Forward(ax.xu, ax.runs, L, ax.lensU)
	hs := ax.hsE[:n*L*H]
	for i, k := range ax.run[:n] {
		copy(hs[i*L*H:(i+1)*L*H], hsU[int(k)*L*H:(int(k)+1)*L*H])
	}
	return hs
}

// findRuns numbers the distinct histories of consecutive rows of b in
// group g (equal lengths and equal ids at every real position of every
// sequence) into ax.run and ax.first, and returns their count.
func (m *DIEN) findRuns(g *seqGroup, ax *dienAux, b *Batch) int {
	l := m.in.layout
	nseq := len(l.Seqs)
	runs := 0
	for i := range b.N {
		same := i > 0
		for j, si := range g.seqs {
			if !same {
				break
			}
			ln := b.SeqLens[i*nseq+si]
			if ln != b.SeqLens[(i-1)*nseq+si] {
				same = false
				break
			}
			o := g.offs[j] + l.Seqs[si].Start(int(ln))
			cur := b.Seq[i*l.SeqLen+o:][:ln]
			prev := b.Seq[(i-1)*l.SeqLen+o:][:ln]
			for p, id := range cur {
				if id != prev[p] {
					same = false
					break
				}
			}
		}
		if !same {
			ax.first[runs] = int32(i)
			runs++
		}
		ax.run[i] = int32(runs - 1)
	}
	return runs
}

// extractBackward back-propagates dhs (n×L×H) through group gi's
// extractor and returns dL/dhist (n×L×D). A shared history gets its rows'
// summed gradient, passed on at its first row (the others read the same
// table rows, so the table's gradient is the same).
func (m *DIEN) extractBackward(gi int, dhs []float32) []float32 {
	g, ax := m.in.groups[gi], m.aux[gi]
	n, L, D, H := m.in.n, g.steps, g.width, ax.hidden
	if ax.runs == n {
		return m.ext[gi].Backward(dhs, nil)
	}
	dhsU := ax.dhsU[:ax.runs*L*H]
	clear(dhsU)
	for i, k := range ax.run[:n] {
		dst := dhsU[int(k)*L*H : (int(k)+1)*L*H]
		for c, v := range dhs[i*L*H : (i+1)*L*H] {
			dst[c] += v
		}
	}
	dxu := m.ext[gi].Backward(dhsU, nil)
	dhist := ax.dhistE[:n*L*D]
	clear(dhist)
	for k, i := range ax.first[:ax.runs] {
		copy(dhist[int(i)*L*D:(int(i)+1)*L*D], dxu[k*L*D:(k+1)*L*D])
	}
	return dhist
}

// auxForward samples the negatives of group gi, returns its auxiliary loss
// and keeps the loss's derivatives with respect to the two scores of every
// pair. On a shard of a batch (b.Whole) it samples and scores its own rows'
// pairs as the whole batch does, and returns their part of its loss.
func (m *DIEN) auxForward(gi int, hs []float32, b *Batch) float64 {
	g, ax := m.in.groups[gi], m.aux[gi]
	n, L, D := m.in.n, g.steps, g.width
	whole, lo := b, 0
	lens, hash := g.lens, g.hash
	ax.whole, ax.lo = nil, 0
	if b.Whole != nil {
		whole, lo = b.Whole, b.Offset
		ax.whole, ax.lo = whole, lo
		nw, nm := whole.N, len(g.seqs)
		ax.wbase = slices.Grow(ax.wbase[:0], nw*nm)[:nw*nm]
		ax.wsrc = slices.Grow(ax.wsrc[:0], nw*L)[:nw*L]
		ax.wlens = slices.Grow(ax.wlens[:0], nw)[:nw]
		hash = m.in.index(g, whole, ax.wbase, ax.wsrc, ax.wlens)
		lens = ax.wlens
		ax.pool = slices.Grow(ax.pool[:0], nw*L)[:nw*L]
		if len(ax.negE) < n*L*D {
			ax.negE = make([]float32, len(ax.neg)*D)
		}
	}
	nw := whole.N
	M, P := 0, 0
	for i := range nw {
		for q := range int(lens[i]) {
			ax.pool[M] = int32(i*L + q)
			M++
		}
		P += max(int(lens[i])-1, 0)
	}
	m.pcg.Seed(m.seed, hash^uint64(nw)*0x9e3779b97f4a7c15)
	draw := func(i int) int32 {
		k := ax.pool[m.rng.IntN(M)]
		for try := 0; try < 4 && int(k)/L == i; try++ {
			k = ax.pool[m.rng.IntN(M)]
		}
		return k
	}
	// The draws of the whole batch's rows before this shard's.
	for i := range lo {
		for t := 0; t+1 < int(lens[i]); t++ {
			draw(i)
		}
	}
	var loss float64
	for i := range n {
		for t := 0; t+1 < int(g.lens[i]); t++ {
			f := i*L + t
			h := hs[f*D : (f+1)*D]
			k := draw(lo + i)
			if ax.local(k, L, n) < 0 {
				m.in.behaviourAt(g, whole, ax.wbase, ax.wsrc, int(k)/L, int(k)%L, ax.negE[f*D:(f+1)*D])
			}
			ne := m.negative(gi, f, k)
			pos := float64(blas.Dot(h, g.hist[(f+1)*D:(f+2)*D]))
			neg := float64(blas.Dot(h, ne))
			// −log σ(pos) = softplus(−pos); −log(1 − σ(neg)) = softplus(neg).
			loss += softplus(-pos) + softplus(neg)
			ax.neg[f] = k
			ax.dpos[f] = float32(sigmoid(pos) - 1)
			ax.dneg[f] = float32(sigmoid(neg))
		}
	}
	ax.pairs, ax.loss = P, 0
	if P > 0 {
		ax.loss = loss / float64(P)
	}
	return ax.loss
}

// local returns where the whole batch's flat step k is among this batch's
// n×L gathered steps, or −1 when it is another shard's.
func (ax *dienAux) local(k int32, L, n int) int {
	if l := int(k) - ax.lo*L; l >= 0 && l < n*L {
		return l
	}
	return -1
}

// negative returns the embedding of the negative k (a flat step of the
// whole batch) of group gi's pair at flat step f: the gathered behaviour
// when k is one of this batch's rows, else the one auxForward read from
// the table into negE.
func (m *DIEN) negative(gi, f int, k int32) []float32 {
	g, ax := m.in.groups[gi], m.aux[gi]
	L, D := g.steps, g.width
	if l := ax.local(k, L, m.in.n); l >= 0 {
		return g.hist[l*D : (l+1)*D]
	}
	return ax.negE[f*D : (f+1)*D]
}

// softplus returns log(1 + eˣ) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Backward accumulates the gradients of the target loss (dout = dL/dlogit)
// and, when the last Forward computed it, of α·L_aux.
func (m *DIEN) Backward(dout []float32) {
	in := m.in
	n := in.n
	dx := m.mlp.Backward(dout)
	in.slotGrad(dx, m.xw)
	o := in.fields * in.dim
	for gi, g := range in.groups {
		ax := m.aux[gi]
		H, L, D := ax.hidden, g.steps, g.width
		dlast := ax.dlast[:n*H]
		for i := range n {
			copy(dlast[i*H:(i+1)*H], dx[i*m.xw+o:i*m.xw+o+H])
		}
		o += H
		dhs, datt := m.evo[gi].Backward(nil, dlast)
		dh, dq := m.att[gi].Backward(datt)
		in.addQueryGrad(g, dq)
		// The extractor's states feed the evolving layer and the attention
		// (and the auxiliary loss): their gradients add up, in the evolving
		// layer's buffer, which it rewrites at its next Backward.
		dhs = dhs[:n*L*H]
		for j, v := range dh[:n*L*H] {
			dhs[j] += v
		}
		if m.auxOn && ax.pairs > 0 {
			m.auxStateGrad(gi, dhs)
		}
		dhist := m.extractBackward(gi, dhs)
		if m.auxOn && ax.pairs > 0 {
			m.auxEmbGrad(gi, dhist)
		}
		in.histGrad(g, dhist[:n*L*D])
	}
	in.backward()
}

// auxStateGrad adds α·∂L_aux/∂h_t to dhs.
func (m *DIEN) auxStateGrad(gi int, dhs []float32) {
	g, ax := m.in.groups[gi], m.aux[gi]
	L, D := g.steps, g.width
	c := float32(m.cfg.AuxAlpha / float64(ax.pairs))
	for i := range m.in.n {
		for t := 0; t+1 < int(g.lens[i]); t++ {
			f := i*L + t
			d := dhs[f*D : (f+1)*D]
			blas.Axpy(c*ax.dpos[f], g.hist[(f+1)*D:(f+2)*D], d)
			blas.Axpy(c*ax.dneg[f], m.negative(gi, f, ax.neg[f]), d)
		}
	}
}

// auxEmbGrad adds α·∂L_aux/∂e to dhist: the positive and the negative
// behaviour of every pair; on a shard, a negative of another shard's row
// adds its gradient to the table rows it reads.
func (m *DIEN) auxEmbGrad(gi int, dhist []float32) {
	g, ax := m.in.groups[gi], m.aux[gi]
	hs := m.hs[gi]
	n, L, D := m.in.n, g.steps, g.width
	c := float32(m.cfg.AuxAlpha / float64(ax.pairs))
	for i := range n {
		for t := 0; t+1 < int(g.lens[i]); t++ {
			f := i*L + t
			h := hs[f*D : (f+1)*D]
			blas.Axpy(c*ax.dpos[f], h, dhist[(f+1)*D:(f+2)*D])
			k := ax.neg[f]
			if l := ax.local(k, L, n); l >= 0 {
				blas.Axpy(c*ax.dneg[f], h, dhist[l*D:(l+1)*D])
				continue
			}
			m.in.addBehaviourGrad(g, ax.whole, ax.wbase, ax.wsrc, int(k)/L, int(k)%L, c*ax.dneg[f], h)
		}
	}
}

// AuxLoss returns L_aux of the last training-mode Forward (before α; 0
// when it was not computed).
func (m *DIEN) AuxLoss() float64 { return m.auxLoss }

// HasAuxLoss reports whether DIEN adds the auxiliary loss (aux_alpha > 0);
// see AuxLosser.
func (m *DIEN) HasAuxLoss() bool { return m.cfg.AuxAlpha > 0 }

// Parts returns one part, "all": the GRUs, attentions, the MLP and the
// table with its regularization.
func (m *DIEN) Parts() []Part {
	var ps []*nn.Param
	for gi := range m.ext {
		ps = append(ps, m.ext[gi].Params()...)
		ps = append(ps, m.att[gi].Params()...)
		ps = append(ps, m.evo[gi].Params()...)
	}
	ps = append(ps, m.mlp.Params()...)
	return []Part{{Name: "all", Params: ps, Tables: m.in.tables()}}
}

// SetTraining switches the MLP's Dice statistics and the auxiliary loss.
func (m *DIEN) SetTraining(training bool) {
	m.training = training
	m.mlp.SetTraining(training)
}

// Reseed restarts the negative sampler from seed (see Reseeder).
func (m *DIEN) Reseed(seed uint64) { m.seed = seed }

// ReseedShard restarts a replica's negative sampler from the model's seed:
// its negatives are drawn from the whole batch, as the model draws them
// (see ShardReseeder).
func (m *DIEN) ReseedShard(seed, _ uint64) { m.seed = seed }

// Buffers returns the MLP's Dice running statistics (none with PReLU or
// ReLU).
func (m *DIEN) Buffers() []*nn.Param { return StatsBuffers("dien.mlp.dice", m.mlp.Stats()) }

// SetRowFrequencies sets the counts of the "mba" regularization (see
// RowFrequencyUser); with "batch" it only checks the length.
func (m *DIEN) SetRowFrequencies(freq []uint32) error { return m.in.setRowFrequencies(freq) }

// RowFrequencyLayout returns the layout the counts index and whether the
// "mba" regularization reads them (see RowFrequencyUser).
func (m *DIEN) RowFrequencyLayout() (Layout, bool) { return m.in.rowFrequencyLayout() }

// Attention returns the interest-evolving attention a_t of the last
// Forward, laid out as DIN's (see DIN.Attention): n rows of width =
// Layout.SeqLen, a row's real behaviours summing to 1 (each counted once),
// 0 at padding and for an empty history. The slice is the model's, valid
// until the next Forward.
func (m *DIEN) Attention() (weights []float32, width int) {
	return m.in.scatterWeights(m.w, func(g int) []float32 { return m.attW[g] }), m.in.layout.SeqLen
}

// Behaviour returns the sequence (an index of Layout.Seqs) and the position
// in it of column c of Attention's rows. It panics unless 0 ≤ c < width.
func (m *DIEN) Behaviour(c int) (seq, pos int) { return m.in.behaviour(c) }

package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// The (user, item) models — ItemPop, MF, GMF, MLP and NeuMF — read a
// layout of two categorical slots, one of source user and one of source
// item, whose fitted vocabularies are the id lists of the interaction log.
// Each keeps its own user and item tables, indexed by a slot's id minus its
// table's offset: row 0 is the field's (first) out-of-vocabulary id, a
// padding row that stays zero and is never trained, so that an id unseen in
// training scores as a user or item without an embedding of its own. The
// padding id 0 reads that row too.

// userItem locates the user and item slots of a (user, item) layout.
type userItem struct {
	// user and item are the slots' positions in a row of Batch.IDs.
	user, item int
	// users and items are their tables' id ranges.
	users, items feature.Table
}

// newUserItem checks that l is a (user, item) layout: exactly two
// categorical slots, one of source user and one of source item, each with
// an out-of-vocabulary id, and no sequence.
func newUserItem(l Layout) (userItem, error) {
	bad := func(why string) (userItem, error) {
		return userItem{}, fmt.Errorf("this model reads a (user, item) layout: two categorical fields, one of source user and one of source item, each with an OOV id; %s", why)
	}
	if len(l.Slots) != 2 || len(l.Seqs) != 0 {
		return bad(fmt.Sprintf("the schema has %d fields and %d sequences", len(l.Slots), len(l.Seqs)))
	}
	p := userItem{user: -1, item: -1}
	for j, s := range l.Slots {
		if s.Numeric {
			return bad(fmt.Sprintf("field %q is numeric", s.Name))
		}
		switch s.Source {
		case feature.User:
			p.user, p.users = j, l.Tables[s.Table]
		case feature.Item:
			p.item, p.items = j, l.Tables[s.Table]
		}
	}
	switch {
	case p.user < 0 || p.item < 0:
		return bad("the fields' sources are not user and item")
	case p.users.OOV < 1 || p.items.OOV < 1:
		return bad("a field has no OOV id")
	}
	return p, nil
}

// row returns the table row of id in the table of range t: the padding id
// 0 reads row 0, the first OOV id's.
func row(t *feature.Table, id int32) int32 { return max(id-t.Offset, 0) }

// rows writes the user and item rows of b's pairs into users and items
// and returns them, of length b.N.
func (p *userItem) rows(b *Batch, users, items []int32) ([]int32, []int32) {
	users, items = users[:b.N], items[:b.N]
	for k := range b.N {
		users[k] = row(&p.users, b.IDs[2*k+p.user])
		items[k] = row(&p.items, b.IDs[2*k+p.item])
	}
	return users, items
}

// newPairTable returns the table of a slot with range t: one row per id of
// the range, row 0 (the OOV id) the padding row, the others drawn from
// N(0, std²) in order.
func newPairTable(name string, t feature.Table, dim int, std float64, rng *rand.Rand) *nn.Table {
	tb := nn.NewTable(name, int(t.Size), dim, true)
	tb.InitNormal(std, rng)
	return tb
}

// scoreChunk is how many candidate items ScoreItems pushes through the
// layers at once: large enough for efficient matrix products, small enough
// that the buffers stay in cache.
const scoreChunk = 1024

// ncfLayers returns the MLP tower widths of NCF: layers when given, else
// 8F, 4F, 2F, F for F = factors (64→32→16→8 at 8 factors).
func ncfLayers(layers []int, factors int) []int {
	if len(layers) > 0 {
		return append([]int(nil), layers...)
	}
	f := factors
	return []int{8 * f, 4 * f, 2 * f, f}
}

// checkTower validates an MLP tower's widths: an even input (a user and an
// item embedding of half of it each) and at least one hidden layer.
func checkTower(layers []int) error {
	if len(layers) < 2 {
		return fmt.Errorf("layers = %v: want the input width and at least one hidden layer", layers)
	}
	if layers[0] < 2 || layers[0]%2 != 0 {
		return fmt.Errorf("layers[0] = %d: want an even input width ≥ 2 (a user and an item embedding of half that)", layers[0])
	}
	return cfgWidths("layers", layers[1:], 1)
}

// gatherRows copies the row of layout id ids[k] (of range r) of t into
// dst[k*t.Dim:] for every k.
func gatherRows(dst []float32, t *nn.Table, r *feature.Table, ids []int32) {
	dim, stride, off := t.Dim, t.Stride, r.Offset
	for k, id := range ids {
		o := int(max(id-off, 0)) * stride // row(r, id)
		copy(dst[k*dim:k*dim+dim], t.Data[o:o+dim])
	}
}

// scatterGrads adds the rows of g (len(ids)×width, from column col on) to
// the sparse gradients of t's rows ids; the padding row takes none.
func scatterGrads(t *nn.Table, ids []int32, g []float32, width, col int) {
	dim := t.Dim
	for k, id := range ids {
		row := t.GradRow(id)
		if row == nil {
			continue
		}
		src := g[k*width+col : k*width+col+dim]
		for d, v := range src {
			row[d] += v
		}
	}
}

// copyTable copies src's weights (not its optimizer state) into dst, of the
// same shape.
func copyTable(dst, src *nn.Table) {
	for r := range int32(src.Rows) {
		copy(dst.Row(r), src.Row(r))
	}
}

// dot is the inner product of two short vectors of equal length, summed
// in order (embedding widths are too small for blas.Dot's call to pay).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

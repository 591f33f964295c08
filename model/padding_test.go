package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
)

// paddedBatch fits encoders on recs under a DIN-style schema whose
// histories are padded on side pad, and encodes recs into one batch.
func paddedBatch(t *testing.T, pad string, recs [][]string) (*feature.Encoders, *Batch) {
	t.Helper()
	s, err := feature.ParseSchema([]byte(strings.ReplaceAll(`
fields:
  - {name: clk, type: label}
  - {name: user, type: categorical, source: user}
  - {name: hist_items, type: sequence, source: user, share: item, max_len: 4, padding: PAD}
  - {name: hist_cats, type: sequence, source: user, share: cat, max_len: 4, padding: PAD}
  - {name: item, type: categorical, source: item, share: item}
  - {name: cat, type: categorical, source: item, share: cat}
`, "PAD", pad)))
	if err != nil {
		t.Fatal(err)
	}
	return fitBatch(t, s, []string{"clk", "user", "hist_items", "hist_cats", "item", "cat"}, recs)
}

// A model built from encoders that pad the histories at the start scores
// the same raw records exactly as one whose encoders pad at the end, with
// the same weights: same logits, gradients, auxiliary loss, row counts,
// and attention weights on the positions where each layout put the
// behaviours.
func TestSeqPaddingSideIsInvisible(t *testing.T) {
	recs := [][]string{
		{"1", "u1", "a|b|c|d|e", "x|x|y|y|z", "e", "y"}, // truncated to the last 4
		{"0", "u1", "a|b|c|d|e", "x|x|y|y|z", "b", "x"}, // the same history: DIEN shares its run
		{"0", "u2", "", "", "a", "x"},                   // no history
		{"1", "u3", "b|c", "x|y", "c", "y"},             // short
		{"0", "u3", "c|a|d", "y", "d", "z"},             // item and category histories of different lengths
		{"1", "u4", "d", "z", "a", "x"},
	}
	encEnd, bEnd := paddedBatch(t, "end", recs)
	encStart, bStart := paddedBatch(t, "start", recs)
	lEnd, lStart := NewLayout(encEnd), NewLayout(encStart)
	for _, q := range lStart.Seqs {
		if q.Padding != feature.PadStart {
			t.Fatalf("layout sequence %+v does not record padding start", q)
		}
	}
	if lEnd.Seqs[0].Padding != feature.PadEnd {
		t.Fatalf("layout sequence %+v does not record padding end", lEnd.Seqs[0])
	}
	// The encodings differ: the test would be vacuous otherwise.
	if slices.Equal(bEnd.Seq, bStart.Seq) {
		t.Fatal("both sides encode the histories alike")
	}
	fEnd, fStart := make([]uint32, lEnd.Rows), make([]uint32, lStart.Rows)
	CountRowFrequencies(fEnd, lEnd, bEnd)
	CountRowFrequencies(fStart, lStart, bStart)
	if !slices.Equal(fEnd, fStart) {
		t.Errorf("row counts %v (end) and %v (start)", fEnd, fStart)
	}
	for _, name := range seqModelNames {
		mEnd := newSeqModel(t, name, "", lEnd, len(recs), 3)
		mStart := newSeqModel(t, name, "", lStart, len(recs), 3)
		logitsEnd, gradsEnd := stepCopy(mEnd, bEnd)
		logitsStart, gradsStart := stepCopy(mStart, bStart)
		if !equalBits(logitsEnd, logitsStart) {
			t.Errorf("%s: training logits %v (end) and %v (start)", name, logitsEnd, logitsStart)
		}
		for i := range gradsEnd {
			if !equalBits(gradsEnd[i], gradsStart[i]) {
				t.Errorf("%s: gradient %d differs between the padding sides", name, i)
			}
		}
		if d, ok := mEnd.(*DIEN); ok && d.AuxLoss() != mStart.(*DIEN).AuxLoss() {
			t.Errorf("dien: auxiliary loss %v (end) and %v (start)", d.AuxLoss(), mStart.(*DIEN).AuxLoss())
		}
		mEnd.SetTraining(false)
		mStart.SetTraining(false)
		outEnd := append([]float32(nil), mEnd.Forward(bEnd)...)
		if outStart := mStart.Forward(bStart); !equalBits(outEnd, outStart) {
			t.Errorf("%s: scores %v (end) and %v (start)", name, outEnd, outStart)
		}
		type attender interface {
			Attention() ([]float32, int)
		}
		a, ok := mEnd.(attender)
		if !ok {
			continue
		}
		wEnd, width := a.Attention()
		wStart, _ := mStart.(attender).Attention()
		for i := range bEnd.N {
			for si, q := range lEnd.Seqs {
				n := int(bEnd.SeqLens[i*len(lEnd.Seqs)+si])
				for p := range q.MaxLen {
					ce := i*width + q.Offset + p
					cs := i*width + q.Offset + p + q.MaxLen - n // where padding start puts element p
					if p >= n {
						if wEnd[ce] != 0 {
							t.Errorf("%s: row %d %s: padded position %d has weight %v", name, i, q.Field, p, wEnd[ce])
						}
						continue
					}
					if wEnd[ce] != wStart[cs] {
						t.Errorf("%s: row %d %s element %d: weight %v (end), %v (start)", name, i, q.Field, p, wEnd[ce], wStart[cs])
					}
				}
				for p := range q.MaxLen - n {
					if w := wStart[i*width+q.Offset+p]; w != 0 {
						t.Errorf("%s: row %d %s: start padding at %d has weight %v", name, i, q.Field, p, w)
					}
				}
			}
		}
	}
}

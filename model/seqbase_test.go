package model

import "testing"

func TestSeqBaseGradients(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 6, 8)
	for _, act := range []string{"prelu", "dice", "relu"} {
		t.Run(act, func(t *testing.T) {
			m := newSeqModel(t, "seqbase", `"activation": "`+act+`"`, l, 6, 1)
			randomize(m, 0.5, 2)
			checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps})
		})
	}
}

// TestSeqBaseInputByHand rebuilds the MLP's input from the table: every
// slot's embedding (scaled by its value), then per behaviour dimension the
// sum over the history's real positions.
func TestSeqBaseInputByHand(t *testing.T) {
	const L, k = 4, 3
	l := seqLayout(6, 3, L, k)
	b := seqBatch(l, 8, 9)
	m := newSeqModel(t, "seqbase", "", l, 8, 1).(*SeqBase)
	randomize(m, 0.5, 2)
	m.Forward(b)
	v := m.in.v
	for i := range b.N {
		var want []float32
		for j := range l.Slots {
			id := b.IDs[i*4+j]
			for c := range k {
				x := float32(0)
				if id != 0 {
					x = b.Values[i*4+j] * v.Row(id)[c]
				}
				want = append(want, x)
			}
		}
		for j, q := range l.Seqs {
			sum := make([]float32, k)
			for p := range int(b.SeqLens[i*2+j]) {
				for c, x := range v.Row(b.Seq[i*l.SeqLen+q.Offset+p]) {
					sum[c] += x
				}
			}
			want = append(want, sum...)
		}
		got := m.x[i*m.xw : (i+1)*m.xw]
		for c := range want {
			if !closeTo(float64(got[c]), float64(want[c]), 1e-6) {
				t.Fatalf("row %d: MLP input %v, by hand %v", i, got, want)
			}
		}
	}
}

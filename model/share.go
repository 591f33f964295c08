package model

import "fmt"

// ShareWeights makes dst, a model of the same configuration as src (a
// replica, best built with Env.Replica), compute with src's weights: it
// points dst's parameters and embedding tables at src's (Param.W,
// Table.Data and Table.Stride) and copies src's buffers (model.Stateful:
// batch statistics) into dst's. Layers read Param.W and Table.Data at
// every pass, never a private copy, so dst then scores as src does at the
// cost of its activations alone. A caller whose src may swap those slices
// later (an optimizer reserving state, a checkpoint loading) points them
// again. It fails, changing nothing, unless the two have the same
// parameters, tables and buffers one for one.
func ShareWeights(dst, src Model) error {
	dp, sp := Params(dst), Params(src)
	dt, st := Tables(dst), Tables(src)
	db, sb := Buffers(dst), Buffers(src)
	if len(dp) != len(sp) || len(dt) != len(st) || len(db) != len(sb) {
		return fmt.Errorf("%d parameters, %d tables and %d buffers, the model %d, %d and %d",
			len(dp), len(dt), len(db), len(sp), len(st), len(sb))
	}
	for i, q := range dp {
		if p := sp[i]; q.Name != p.Name || len(q.W) != len(p.W) || len(q.G) != len(q.W) {
			return fmt.Errorf("parameter %s (%d) does not match %s (%d)", q.Name, len(q.W), p.Name, len(p.W))
		}
	}
	for i, t := range dt {
		if u := st[i]; t.Name != u.Name || t.Rows != u.Rows || t.Dim != u.Dim || t.Padding != u.Padding {
			return fmt.Errorf("table %s (%d×%d) does not match %s (%d×%d)", t.Name, t.Rows, t.Dim, u.Name, u.Rows, u.Dim)
		}
	}
	for i, b := range db {
		if len(b.W) != len(sb[i].W) {
			return fmt.Errorf("buffer %s does not match %s", b.Name, sb[i].Name)
		}
	}
	for i, q := range dp {
		q.W = sp[i].W
	}
	for i, t := range dt {
		t.Data, t.Stride = st[i].Data, st[i].Stride
	}
	for i, b := range db {
		copy(b.W, sb[i].W)
	}
	return nil
}

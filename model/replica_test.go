package model

import (
	"math"
	"testing"
)

// A replica of a CTR or sequence model (Env.Replica) holds none of the
// model's table weights: its tables are views, and it is smaller than the
// model by exactly their bytes (within the 1% the footprint allows for
// small slices), while its dense parameters, tables' shapes and names
// match the model's one for one.
func TestReplicaTablesAreViews(t *testing.T) {
	ctr, seq := tinyLayout(6, 2, 300, 8), seqLayout(400, 30, 12, 6)
	for _, c := range footprintCases() {
		info, _ := Lookup(c.name)
		if info.Task != TaskCTR && info.Task != TaskSequence {
			continue
		}
		l := ctr
		if c.seq {
			l = seq
		}
		env := Env{Layout: l, MaxBatch: 64, Seed: 1, MemoryLimit: -1}
		m, _, err := New(c.name, []byte(c.params), env)
		if err != nil {
			t.Fatalf("%s %s: %v", c.name, c.params, err)
		}
		env.Replica = true
		r, _, err := New(c.name, []byte(c.params), env)
		if err != nil {
			t.Fatalf("%s %s replica: %v", c.name, c.params, err)
		}
		mt, rt := Tables(m), Tables(r)
		if len(mt) != len(rt) || len(mt) == 0 {
			t.Fatalf("%s %s: %d tables, the replica %d", c.name, c.params, len(mt), len(rt))
		}
		var weights float64
		for i, tb := range rt {
			if tb.Data != nil || tb.Name != mt[i].Name || tb.Rows != mt[i].Rows || tb.Dim != mt[i].Dim {
				t.Errorf("%s %s: replica table %s (%d×%d, %d weights), the model's %s (%d×%d)", c.name, c.params,
					tb.Name, tb.Rows, tb.Dim, len(tb.Data), mt[i].Name, mt[i].Rows, mt[i].Dim)
			}
			weights += float64(4 * len(mt[i].Data))
		}
		mp, rp := Params(m), Params(r)
		if len(mp) != len(rp) {
			t.Fatalf("%s %s: %d parameters, the replica %d", c.name, c.params, len(mp), len(rp))
		}
		for i, p := range rp {
			if p.Name != mp[i].Name || len(p.W) != len(mp[i].W) {
				t.Errorf("%s %s: replica parameter %s (%d), the model's %s (%d)", c.name, c.params, p.Name, len(p.W), mp[i].Name, len(mp[i].W))
			}
		}
		full, view := reachableBytes(m), reachableBytes(r)
		if d := full - view; math.Abs(d-weights) > 0.01*full {
			t.Errorf("%s %s: the replica holds %.0f bytes less than the model's %.0f, want its tables' %.0f", c.name, c.params, d, full, weights)
		}
	}
}

// A view replica given the model's weights (ShareWeights) scores as the
// model does; a replica of another configuration is refused and keeps
// its own weights.
func TestShareWeights(t *testing.T) {
	l := tinyLayout(6, 2, 300, 8)
	env := Env{Layout: l, MaxBatch: 16, Seed: 1, MemoryLimit: -1}
	m, _, err := New("deepfm", []byte(`{"hidden": [8, 4], "batch_norm": true}`), env)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range Buffers(m) {
		for i := range b.W {
			b.W[i] = 0.5 + float32(i%7)/10 // batch statistics a replica must copy
		}
	}
	renv := env
	renv.Replica, renv.Seed = true, 9
	r, _, err := New("deepfm", []byte(`{"hidden": [8, 4], "batch_norm": true}`), renv)
	if err != nil {
		t.Fatal(err)
	}
	if err := ShareWeights(r, m); err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	r.SetTraining(false)
	b := &Batch{N: 16, IDs: make([]int32, 16*len(l.Slots)), Values: make([]float32, 16*len(l.Slots)), Label: make([]float32, 16)}
	for i := range b.IDs {
		b.IDs[i] = int32(1 + i%7)
		b.Values[i] = 1
	}
	want := append([]float32(nil), m.Forward(b)...)
	got := r.Forward(b)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("row %d: replica %v, model %v", i, got[i], want[i])
		}
	}
	other, _, err := New("deepfm", []byte(`{"hidden": [8, 5]}`), env)
	if err != nil {
		t.Fatal(err)
	}
	w := Params(other)[0].W
	if err := ShareWeights(other, m); err == nil {
		t.Fatal("a replica of another configuration shared the weights")
	}
	if &Params(other)[0].W[0] != &w[0] {
		t.Fatal("a refused replica's weights were repointed")
	}
}

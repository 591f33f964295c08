package artifact

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// model builds params and tables of fixed shapes, random when seed != 0.
func model(seed uint64) ([]*nn.Param, []*nn.Table) {
	ps := []*nn.Param{nn.NewParam("mlp.0.w", 3, 4), nn.NewParam("mlp.0.b", 4), nn.NewParam("bias")}
	emb := nn.NewTable("emb", 5, 3, true)
	emb.ReserveState(2)
	ts := []*nn.Table{emb, nn.NewTable("lin", 7, 1, false)}
	if seed != 0 {
		rng := rand.New(rand.NewPCG(seed, 1))
		for _, p := range ps {
			nn.InitNormal(p.W, 1, rng)
		}
		for _, t := range ts {
			t.InitNormal(1, rng)
			for r := range t.Rows {
				for i := range t.State(int32(r)) {
					t.State(int32(r))[i] = 99 // must not be saved
				}
			}
		}
	}
	return ps, ts
}

func weightsFile(t *testing.T, ps []*nn.Param, ts []*nn.Table) *File {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWeights(&buf, ps, ts, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ReadSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestWeightsRoundTripBitIdentical(t *testing.T) {
	ps, ts := model(42)
	f := weightsFile(t, ps, ts)
	emb, _ := f.Tensor("emb")
	if !slices.Equal(emb.Shape, []int{5, 3}) || len(emb.Data) != 5*3*4 {
		t.Fatalf("table tensor holds %v / %d bytes; want only the [5 3] weights", emb.Shape, len(emb.Data))
	}
	ps2, ts2 := model(0)
	if err := LoadWeights(f, ps2, ts2); err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if !bitsEqual(ps[i].W, ps2[i].W) {
			t.Errorf("param %s differs", ps[i].Name)
		}
	}
	for i, tb := range ts {
		for r := range tb.Rows {
			if !bitsEqual(tb.Row(int32(r)), ts2[i].Row(int32(r))) {
				t.Errorf("table %s row %d differs", tb.Name, r)
			}
			for _, s := range ts2[i].State(int32(r)) {
				if s != 0 {
					t.Fatalf("table %s row %d: optimizer state loaded", tb.Name, r)
				}
			}
		}
	}
}

func bitsEqual(a, b []float32) bool {
	var x, y bytes.Buffer
	_ = writeF32(&x, a)
	_ = writeF32(&y, b)
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func TestLoadWeightsErrors(t *testing.T) {
	ps, ts := model(1)
	f := weightsFile(t, ps, ts)
	check := func(name string, ps []*nn.Param, ts []*nn.Table, want ...string) {
		t.Helper()
		err := LoadWeights(f, ps, ts)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", name, err, w)
			}
		}
	}
	p2, t2 := model(0)
	p2[0] = nn.NewParam("mlp.0.w", 4, 3)
	check("param shape", p2, t2, `"mlp.0.w"`, "[3 4]", "[4 3]")
	if slices.ContainsFunc(p2[1].W, func(x float32) bool { return x != 0 }) {
		t.Error("a failed load modified another parameter")
	}
	p2, t2 = model(0)
	t2[0] = nn.NewTable("emb", 6, 3, true)
	check("table shape", p2, t2, `"emb"`, "[5 3]", "[6 3]")
	p2, t2 = model(0)
	check("missing", append(p2, nn.NewParam("extra", 1)), t2, `"extra"`, "missing")
	p2, t2 = model(0)
	check("unclaimed", p2[1:], t2, `"mlp.0.w"`, "matches no model parameter")
	p2, t2 = model(0)
	check("duplicate", append(p2, nn.NewParam("bias")), t2, `"bias"`)
}

func TestWriteWeightsRejects(t *testing.T) {
	ps, ts := model(1)
	ps[1].W = ps[1].W[:2]
	var buf bytes.Buffer
	if err := WriteWeights(&buf, ps, ts, nil); err == nil || !strings.Contains(err.Error(), `"mlp.0.b"`) {
		t.Errorf("short W: got %v", err)
	}
	ps, ts = model(1)
	ts[1].Data = ts[1].Data[:3]
	if err := WriteWeights(&buf, ps, ts, nil); err == nil || !strings.Contains(err.Error(), `"lin"`) {
		t.Errorf("short table: got %v", err)
	}
	ps, ts = model(1)
	if err := WriteWeights(&buf, append(ps, nn.NewParam("emb", 1)), ts, nil); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate name: got %v", err)
	}
}

// Weights holding a NaN or an infinity are refused, the error naming the
// tensor, the first bad element and its value, and nothing is loaded.
func TestLoadWeightsRefusesNonFinite(t *testing.T) {
	for _, c := range []struct {
		what   string
		set    func(ps []*nn.Param, ts []*nn.Table)
		want   []string
		tensor string
	}{
		{"NaN in a param", func(ps []*nn.Param, _ []*nn.Table) {
			ps[0].W[1*4+2] = float32(math.NaN())
			ps[0].W[2*4+3] = float32(math.Inf(1)) // after the first: not the one named
		}, []string{`tensor "mlp.0.w"`, "element [1 2] (flat index 6 of 12) is NaN", "must be finite"}, "mlp.0.w"},
		{"+Inf in a table", func(_ []*nn.Param, ts []*nn.Table) {
			ts[0].Row(4)[1] = float32(math.Inf(1))
		}, []string{`tensor "emb"`, "element [4 1] (flat index 13 of 15) is +Inf"}, "emb"},
		{"-Inf in a scalar", func(ps []*nn.Param, _ []*nn.Table) {
			ps[2].W[0] = float32(math.Inf(-1))
		}, []string{`tensor "bias"`, "its value is -Inf"}, "bias"},
	} {
		ps, ts := model(1)
		c.set(ps, ts)
		f := weightsFile(t, ps, ts)
		p2, t2 := model(0)
		err := LoadWeights(f, p2, t2)
		if err == nil {
			t.Errorf("%s: loaded", c.what)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.what, err, w)
			}
		}
		for _, p := range p2 {
			if slices.ContainsFunc(p.W, func(x float32) bool { return x != 0 }) {
				t.Errorf("%s: a failed load modified %s", c.what, p.Name)
			}
		}
		for _, tb := range t2 {
			if slices.ContainsFunc(tb.Data, func(x float32) bool { return x != 0 }) {
				t.Errorf("%s: a failed load modified %s", c.what, tb.Name)
			}
		}
	}
}

// A parameter marked Optional that the file lacks keeps its value while the
// rest loads; present, it loads like any other; and a missing parameter
// that is not optional still fails.
func TestLoadWeightsOptionalParam(t *testing.T) {
	ps, ts := model(1)
	f := weightsFile(t, ps, ts)
	p2, t2 := model(0)
	extra := nn.NewParam("bn.0.batches", 1)
	extra.W[0], extra.Optional = 7, true
	if err := LoadWeights(f, append(p2, extra), t2); err != nil {
		t.Fatal(err)
	}
	if extra.W[0] != 7 || !bitsEqual(p2[0].W, ps[0].W) {
		t.Fatalf("optional param %v, first param loaded %v", extra.W, bitsEqual(p2[0].W, ps[0].W))
	}
	saved := nn.NewParam("bn.0.batches", 1)
	saved.W[0] = 3
	f = weightsFile(t, append(ps, saved), ts)
	p2, t2 = model(0)
	if err := LoadWeights(f, append(p2, extra), t2); err != nil || extra.W[0] != 3 {
		t.Fatalf("present optional param: %v, value %v, want 3", err, extra.W[0])
	}
	extra.Optional = false
	p2, t2 = model(0)
	f = weightsFile(t, ps, ts)
	if err := LoadWeights(f, append(p2, extra), t2); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing required param: %v", err)
	}
}

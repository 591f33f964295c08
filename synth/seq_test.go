package synth

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func newSeq(t testing.TB, cfg SeqConfig) *Seq {
	t.Helper()
	g, err := NewSeq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSeqDeterministic(t *testing.T) {
	var out [3]bytes.Buffer
	for i, seed := range []uint64{4, 4, 5} {
		if err := WriteSeqTSV(&out[i], newSeq(t, SeqConfig{Seed: seed, Users: 300}).Examples()); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Error("same seed, different files")
	}
	if bytes.Equal(out[0].Bytes(), out[2].Bytes()) {
		t.Error("different seeds, same file")
	}
}

// TestSeqRecentOnly checks that the click probability reads the recent
// behaviours only: shuffling or replacing the older ones leaves it exactly
// unchanged, replacing a recent one by an item of another category moves it.
func TestSeqRecentOnly(t *testing.T) {
	g := newSeq(t, SeqConfig{Seed: 1, Users: 200})
	rng := rand.New(rand.NewPCG(9, 9))
	recent := g.Config().Recent
	moved := 0
	for i, e := range g.Examples() {
		if got := g.Prob(e.Item, e.HistItems); got != e.P {
			t.Fatalf("example %d: Prob %v, recorded P %v", i, got, e.P)
		}
		h := slices.Clone(e.HistItems)
		old := h[:len(h)-recent]
		rng.Shuffle(len(old), func(a, b int) { old[a], old[b] = old[b], old[a] })
		if len(old) > 0 {
			old[0] = int32(rng.IntN(g.Config().Items))
		}
		if got := g.Prob(e.Item, h); got != e.P {
			t.Fatalf("example %d: changing older behaviours moved p from %v to %v", i, e.P, got)
		}
		// Replace the latest behaviour by an item of another category.
		for {
			x := int32(rng.IntN(g.Config().Items))
			if g.Category(x) != g.Category(h[len(h)-1]) {
				h[len(h)-1] = x
				break
			}
		}
		if math.Abs(g.Prob(e.Item, h)-e.P) > 1e-3 {
			moved++
		}
	}
	if n := len(g.Examples()); moved < n*9/10 {
		t.Errorf("changing the latest behaviour moved p in %d of %d examples", moved, n)
	}
}

func TestSeqOracleAndRate(t *testing.T) {
	g := newSeq(t, SeqConfig{Seed: 2})
	ex := g.Examples()
	if len(ex) != 2000*4 {
		t.Fatalf("%d examples, want 8000", len(ex))
	}
	var clicks, meanP float64
	for _, e := range ex {
		meanP += e.P
		if e.Label {
			clicks++
		}
		if n := len(e.HistItems); n < 5 || n > 30 || len(e.HistCats) != n || e.Cat != g.Category(e.Item) {
			t.Fatalf("bad example %+v", e)
		}
	}
	meanP /= float64(len(ex))
	clicks /= float64(len(ex))
	if math.Abs(meanP-0.3) > 1e-6 || math.Abs(clicks-0.3) > 0.02 {
		t.Errorf("mean p %.4f, click rate %.4f; want 0.3", meanP, clicks)
	}
	auc, err := SeqOracleAUC(ex)
	t.Logf("oracle AUC %.4f, click rate %.4f", auc, clicks)
	if err != nil || auc < 0.7 {
		t.Errorf("oracle AUC %v, %v: the recent behaviours barely matter", auc, err)
	}
}

// TestSeqFormat parses the text format by hand and compares it with the
// structs.
func TestSeqFormat(t *testing.T) {
	ex := newSeq(t, SeqConfig{Seed: 3, Users: 50}).Examples()
	var buf bytes.Buffer
	if err := WriteSeqTSV(&buf, ex); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if lines[0] != SeqHeader || len(lines) != len(ex)+1 {
		t.Fatalf("header %q, %d lines for %d examples", lines[0], len(lines), len(ex))
	}
	ids := func(s string) []int32 {
		var out []int32
		for _, f := range strings.Split(s, "|") {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, int32(v))
		}
		return out
	}
	for i, line := range lines[1:] {
		f := strings.Split(line, "\t")
		e := ex[i]
		label := "0"
		if e.Label {
			label = "1"
		}
		if len(f) != 6 || f[0] != label || ids(f[1])[0] != e.User || ids(f[2])[0] != e.Item || ids(f[3])[0] != e.Cat ||
			!slices.Equal(ids(f[4]), e.HistItems) || !slices.Equal(ids(f[5]), e.HistCats) {
			t.Fatalf("line %d %q does not match %+v", i+2, line, e)
		}
	}
}

func TestSeqConfigErrors(t *testing.T) {
	for _, cfg := range []SeqConfig{{Users: -1}, {Recent: 6, MinHistory: 5}, {MinHistory: 10, MaxHistory: 5}, {BaseCTR: 2}} {
		if _, err := NewSeq(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

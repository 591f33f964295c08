package synth

import (
	"errors"
	"io"
	"testing"

	"github.com/recforge/recforge/data"
)

func TestSyntheticSpecServesTheGenerator(t *testing.T) {
	r, err := data.Open("synthetic:ctr?rows=50&seed=3", data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	g, _ := NewCTR(CTRConfig{Seed: 3})
	want := g.Reader(50)
	var a, b data.Record
	n := 0
	for {
		errA, errB := r.Next(&a), want.Next(&b)
		if errors.Is(errA, io.EOF) || errors.Is(errB, io.EOF) {
			if !errors.Is(errA, io.EOF) || !errors.Is(errB, io.EOF) {
				t.Fatalf("streams end apart after %d rows", n)
			}
			break
		}
		for j := range a.Cols {
			if string(a.Cols[j]) != string(b.Cols[j]) {
				t.Fatalf("row %d column %d: %q, want %q", n, j, a.Cols[j], b.Cols[j])
			}
		}
		n++
	}
	if n != 50 || !data.Generated("synthetic:ctr") {
		t.Fatalf("%d rows, generated=%v", n, data.Generated("synthetic:ctr"))
	}
	for _, bad := range []string{"synthetic:seq", "synthetic:ctr?rows=0", "synthetic:ctr?rows=x", "synthetic:ctr?seed=-1", "synthetic:ctr?color=red", "synthetic:ctr?max_vocab=1"} {
		if _, err := data.Open(bad, data.ReadOptions{}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestOracleOfSubsetMatchesOracleOnAll(t *testing.T) {
	g, _ := NewCTR(CTRConfig{Seed: 2, CalibrationRows: 2000})
	all, err := g.Oracle(3000)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := g.OracleOf(3000, func(int) bool { return true })
	if err != nil || sub != all {
		t.Fatalf("OracleOf(all) = %+v, Oracle = %+v (%v)", sub, all, err)
	}
	even, err := g.OracleOf(3000, func(i int) bool { return i%2 == 0 })
	if err != nil || even.Rows != 1500 {
		t.Fatalf("even rows: %+v, %v", even, err)
	}
}

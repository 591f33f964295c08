package data

import (
	"math"
	"os"
	"slices"
	"testing"
)

func TestHashSplitProportionsAndDeterminism(t *testing.T) {
	h, err := NewHashSplit([]float64{8, 1, 1}, 7)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200000
	var count [3]int
	for i := range int64(n) {
		count[h.Part(i)]++
	}
	for p, want := range []float64{0.8, 0.1, 0.1} {
		got := float64(count[p]) / n
		// Binomial standard deviation is ≤ 0.0009 here; allow 5σ.
		if math.Abs(got-want) > 0.0045 {
			t.Errorf("part %d holds %.4f of the records, want %.1f", p, got, want)
		}
	}
	h2, _ := NewHashSplit([]float64{8, 1, 1}, 7)
	other, _ := NewHashSplit([]float64{8, 1, 1}, 8)
	moved := 0
	for i := range int64(1000) {
		if h.Part(i) != h2.Part(i) {
			t.Fatalf("record %d: same seed, parts %d and %d", i, h.Part(i), h2.Part(i))
		}
		if h.Part(i) != other.Part(i) {
			moved++
		}
	}
	if moved < 200 { // P(same part) = 0.66 for independent draws
		t.Errorf("another seed moved only %d of 1000 records", moved)
	}
	if _, err := NewHashSplit([]float64{1, 0}, 1); err == nil {
		t.Error("zero ratio accepted")
	}
}

func TestRegisterGeneratedReader(t *testing.T) {
	Register("test-gen", func(string, ReadOptions) (Reader, error) { return nil, nil }, true)
	defer func() { delete(openers, "test-gen"); delete(generated, "test-gen") }()
	if !Generated("test-gen:anything") || Generated("criteo:x") {
		t.Error("Generated misreports")
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a taken name did not panic")
		}
	}()
	Register("criteo", nil, false)
}

func TestSourceFiles(t *testing.T) {
	Register("test-gen2", func(string, ReadOptions) (Reader, error) { return nil, nil }, true)
	defer func() { delete(openers, "test-gen2"); delete(generated, "test-gen2") }()
	dir := t.TempDir()
	ratings := dir + "/u1.base"
	for _, f := range []string{ratings, dir + "/u.data"} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for spec, want := range map[string][]string{
		"criteo:x.tsv":             {"x.tsv"},
		"movielens-ctr:" + ratings: {ratings, dir + "/u.user", dir + "/u.item"},
		"movielens-ctr:" + dir:     {dir + "/u.data", dir + "/u.user", dir + "/u.item"},
		"test-gen2:anything":       nil,
	} {
		got, err := SourceFiles(spec)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v, %v; want %v", spec, got, err, want)
		}
	}
	if _, err := SourceFiles("criteo"); err == nil {
		t.Error("a spec without a path was accepted")
	}
}

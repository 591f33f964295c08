package metric

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// pairCountAUC is the O(n²) definition of AUC, independent of sorting.
func pairCountAUC(scores, labels []float64) float64 {
	var wins, pairs float64
	for i := range scores {
		if labels[i] != 1 {
			continue
		}
		for j := range scores {
			if labels[j] != 0 {
				continue
			}
			pairs++
			switch {
			case scores[i] > scores[j]:
				wins++
			case scores[i] == scores[j]:
				wins += 0.5
			}
		}
	}
	return wins / pairs
}

func TestAUCHandComputed(t *testing.T) {
	cases := []struct {
		name           string
		scores, labels []float64
		want           float64
	}{
		// Perfect separation and its reverse.
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []float64{0, 0, 1, 1}, 1},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []float64{0, 0, 1, 1}, 0},
		// Pairs (pos,neg): (0.35,0.1)=1 (0.35,0.4)=0 (0.8,0.1)=1 (0.8,0.4)=1 → 3/4.
		{"classic", []float64{0.1, 0.4, 0.35, 0.8}, []float64{0, 0, 1, 1}, 0.75},
		// All scores tied: every pair is ½.
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5, 0.5}, []float64{0, 1, 0, 1, 1}, 0.5},
		// pos {0.5, 0.7}, neg {0.5, 0.3}: (0.5,0.5)=½ (0.5,0.3)=1 (0.7,0.5)=1 (0.7,0.3)=1 → 3.5/4.
		{"one tie", []float64{0.5, 0.7, 0.5, 0.3}, []float64{1, 1, 0, 0}, 0.875},
		// Infinite scores order as usual.
		{"infinities", []float64{math.Inf(-1), math.Inf(1), 0}, []float64{0, 1, 0}, 1},
	}
	for _, c := range cases {
		got, err := AUC(c.scores, c.labels)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: AUC = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAUCFloat32(t *testing.T) {
	got, err := AUC([]float32{0.1, 0.4, 0.35, 0.8}, []float32{0, 0, 1, 1})
	if err != nil || got != 0.75 {
		t.Fatalf("AUC = %v, %v; want 0.75", got, err)
	}
}

func TestAUCAgainstPairCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		n := 2 + rng.IntN(300)
		scores := make([]float64, n)
		labels := make([]float64, n)
		levels := 1 + rng.IntN(20) // few distinct levels → many ties
		for i := range scores {
			scores[i] = float64(rng.IntN(levels)) / float64(levels)
			if rng.Float64() < 0.3+0.4*scores[i] {
				labels[i] = 1
			}
		}
		labels[0], labels[1] = 0, 1 // both classes present
		got, err := AUC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		want := pairCountAUC(scores, labels)
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d (n=%d, levels=%d): AUC = %v, pair count = %v", trial, n, levels, got, want)
		}
	}
}

func TestAUCDegenerate(t *testing.T) {
	cases := []struct {
		name           string
		scores, labels []float64
		want           error
	}{
		{"empty", nil, nil, ErrEmpty},
		{"length", []float64{1, 2}, []float64{1}, ErrLength},
		{"all positive", []float64{0.1, 0.9}, []float64{1, 1}, ErrUndefined},
		{"all negative", []float64{0.1}, []float64{0}, ErrUndefined},
		{"NaN score", []float64{0.1, math.NaN()}, []float64{0, 1}, ErrNaN},
		{"bad label", []float64{0.1, 0.2}, []float64{0, 0.5}, ErrLabel},
	}
	for _, c := range cases {
		got, err := AUC(c.scores, c.labels)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if !math.IsNaN(got) {
			t.Errorf("%s: AUC = %v, want NaN", c.name, got)
		}
	}
}

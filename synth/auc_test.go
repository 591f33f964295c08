package synth

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestAUCHandComputed(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, true, false, true}, 1},
		{"reversed", []float64{0.9, 0.1, 0.8, 0.2}, []bool{false, true, false, true}, 0},
		// pos {1,3} vs neg {1,2}: tie ½, 0, 1, 1 → 2.5/4.
		{"tie across classes", []float64{1, 1, 2, 3}, []bool{false, true, false, true}, 0.625},
		{"all tied", []float64{5, 5, 5, 5, 5}, []bool{true, false, false, true, false}, 0.5},
		// pos {2,2} vs neg {1,2,3}: (1,½,0)+(1,½,0) = 3 of 6.
		{"ties within and across", []float64{2, 1, 2, 3, 2}, []bool{true, false, true, false, false}, 0.5},
		// pos {3} vs neg {1,2,3,3}: 1+1+½+½ = 3 of 4.
		{"one positive", []float64{3, 1, 2, 3, 3}, []bool{true, false, false, false, false}, 0.75},
	} {
		got, err := AUC(c.scores, c.labels)
		if err != nil || got != c.want {
			t.Errorf("%s: AUC = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// TestAUCMatchesPairCount checks the rank formula against the definition:
// the share of (positive, negative) pairs ordered right, ties counting ½.
func TestAUCMatchesPairCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 300
	scores, labels := make([]float64, n), make([]bool, n)
	for i := range n {
		scores[i] = float64(rng.IntN(20)) // many ties
		labels[i] = rng.IntN(3) == 0
	}
	var num, den float64
	for i := range n {
		for j := range n {
			if labels[i] && !labels[j] {
				den++
				switch {
				case scores[i] > scores[j]:
					num++
				case scores[i] == scores[j]:
					num += 0.5
				}
			}
		}
	}
	got, err := AUC(scores, labels)
	if err != nil || math.Abs(got-num/den) > 1e-12 {
		t.Fatalf("AUC = %v, %v; pair count gives %v", got, err, num/den)
	}
}

func TestAUCBadInput(t *testing.T) {
	if _, err := AUC([]float64{1, 2}, []bool{true}); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := AUC([]float64{1, math.NaN()}, []bool{true, false}); err == nil {
		t.Error("NaN score: no error")
	}
	if got, err := AUC([]float64{1, 2}, []bool{true, true}); err != nil || !math.IsNaN(got) {
		t.Errorf("one class: AUC = %v, %v; want NaN", got, err)
	}
}

package metric

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestGAUCHandExample(t *testing.T) {
	// User "a": 4 rows, pos {0.9, 0.2}, neg {0.5, 0.1}:
	//   (0.9,0.5)=1 (0.9,0.1)=1 (0.2,0.5)=0 (0.2,0.1)=1 → AUC 3/4.
	// User "b": 2 rows, pos {0.3}, neg {0.6} → AUC 0.
	// User "c": 3 rows, all negative → skipped.
	// User "d": 2 rows tied, pos {0.4}, neg {0.4} → AUC ½.
	// Weighted = (4·¾ + 2·0 + 2·½) / (4+2+2) = 4/8 = 0.5.
	// Mean     = (¾ + 0 + ½) / 3 = 5/12.
	scores := []float32{0.9, 0.3, 0.5, 0.7, 0.2, 0.6, 0.1, 0.1, 0.2, 0.4, 0.4}
	labels := []float32{1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0}
	groups := []string{"a", "b", "a", "c", "a", "b", "a", "c", "c", "d", "d"}
	res, err := GAUC(scores, labels, groups)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Weighted-0.5) > 1e-15 {
		t.Errorf("Weighted = %v, want 0.5", res.Weighted)
	}
	if math.Abs(res.Mean-5.0/12) > 1e-15 {
		t.Errorf("Mean = %v, want 5/12", res.Mean)
	}
	if res.Groups != 4 || res.Counted != 3 || res.Impressions != 8 {
		t.Errorf("counts = %d groups, %d counted, %d impressions; want 4, 3, 8", res.Groups, res.Counted, res.Impressions)
	}
}

func TestGAUCMatchesPerGroupAUC(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 500
	scores := make([]float64, n)
	labels := make([]float64, n)
	groups := make([]int, n)
	for i := range scores {
		groups[i] = rng.IntN(25)
		scores[i] = float64(rng.IntN(6))
		labels[i] = float64(rng.IntN(2))
	}
	res, err := GAUC(scores, labels, groups)
	if err != nil {
		t.Fatal(err)
	}
	// Independent: split by group, AUC each with the pair count.
	var wsum, msum float64
	var counted, imps int
	for g := 0; g < 25; g++ {
		var s, l []float64
		for i := range scores {
			if groups[i] == g {
				s, l = append(s, scores[i]), append(l, labels[i])
			}
		}
		var pos int
		for _, y := range l {
			pos += int(y)
		}
		if pos == 0 || pos == len(l) {
			continue
		}
		auc := pairCountAUC(s, l)
		counted++
		imps += len(l)
		wsum += float64(len(l)) * auc
		msum += auc
	}
	if res.Counted != counted || res.Impressions != imps {
		t.Fatalf("counted %d/%d impressions, want %d/%d", res.Counted, res.Impressions, counted, imps)
	}
	if math.Abs(res.Weighted-wsum/float64(imps)) > 1e-12 || math.Abs(res.Mean-msum/float64(counted)) > 1e-12 {
		t.Fatalf("got %+v, want weighted %v mean %v", res, wsum/float64(imps), msum/float64(counted))
	}
}

func TestGAUCDegenerate(t *testing.T) {
	res, err := GAUC([]float64{0.1, 0.9, 0.5}, []float64{1, 0, 1}, []int{1, 2, 1})
	if !errors.Is(err, ErrUndefined) || !math.IsNaN(res.Weighted) || !math.IsNaN(res.Mean) {
		t.Errorf("single-class groups: %+v, %v; want NaN and ErrUndefined", res, err)
	}
	if res.Groups != 2 || res.Counted != 0 {
		t.Errorf("counts = %d, %d; want 2, 0", res.Groups, res.Counted)
	}
	if _, err := GAUC([]float64{0.1}, []float64{1}, []int{1, 2}); !errors.Is(err, ErrLength) {
		t.Errorf("group length mismatch: err = %v", err)
	}
	if _, err := GAUC([]float64{}, []float64{}, []int{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: err = %v", err)
	}
	if _, err := GAUC([]float64{math.NaN(), 1}, []float64{1, 0}, []int{1, 1}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: err = %v", err)
	}
}

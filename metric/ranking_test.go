package metric

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRankOfPositive(t *testing.T) {
	cases := []struct {
		pos  float64
		negs []float64
		want int
	}{
		{0.9, []float64{0.1, 0.5, 0.3}, 1},
		{0.4, []float64{0.1, 0.5, 0.3}, 2},
		{0.3, []float64{0.1, 0.5, 0.3}, 3}, // tie with 0.3 counts above
		{0.5, []float64{0.5, 0.5, 0.5}, 4}, // all tied: worst rank
		{0.5, nil, 1},
	}
	for _, c := range cases {
		got, err := RankOfPositive(c.pos, c.negs)
		if err != nil || got != c.want {
			t.Errorf("RankOfPositive(%v, %v) = %d, %v; want %d", c.pos, c.negs, got, err, c.want)
		}
	}
	if _, err := RankOfPositive(math.NaN(), []float64{1}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN positive: err = %v", err)
	}
	if _, err := RankOfPositive(1, []float32{float32(math.NaN())}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN negative: err = %v", err)
	}
}

func TestRelevantRanksHand(t *testing.T) {
	// Items: a 0.7 rel, b 0.9 irr, c 0.5 rel, d 0.7 irr, e 0.1 irr, f 0.5 rel, g 0.5 irr.
	// Descending, an irrelevant item before a tied relevant one: b(1) d(2) a(3) g(4) c/f(5,6) e(7) → relevant ranks 3, 5, 6.
	scores := []float32{0.7, 0.9, 0.5, 0.7, 0.1, 0.5, 0.5}
	rel := []bool{true, false, true, false, false, true, false}
	var s RankScratch
	got, err := RelevantRanks(&s, scores, rel)
	if err != nil || !slices.Equal(got, []int{3, 5, 6}) {
		t.Fatalf("RelevantRanks = %v, %v; want [3 5 6]", got, err)
	}
	// Reuse of the scratch gives a correct second answer.
	got, err = RelevantRanks(&s, []float32{0.2, 0.8}, []bool{true, false})
	if err != nil || !slices.Equal(got, []int{2}) {
		t.Fatalf("second RelevantRanks = %v, %v; want [2]", got, err)
	}
}

func TestRelevantRanksMatchesSort(t *testing.T) {
	// Independent rule: sort by (score desc, irrelevant first), read positions.
	rng := rand.New(rand.NewPCG(7, 8))
	var s RankScratch
	for trial := 0; trial < 100; trial++ {
		n := 1 + rng.IntN(60)
		scores := make([]float64, n)
		rel := make([]bool, n)
		for i := range scores {
			scores[i] = float64(rng.IntN(8))
			rel[i] = rng.IntN(3) == 0
		}
		rel[rng.IntN(n)] = true
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			if scores[a] != scores[b] {
				if scores[a] > scores[b] {
					return -1
				}
				return 1
			}
			switch {
			case rel[a] == rel[b]:
				return 0
			case rel[b]:
				return -1
			default:
				return 1
			}
		})
		var want []int
		for pos, i := range idx {
			if rel[i] {
				want = append(want, pos+1)
			}
		}
		got, err := RelevantRanks(&s, scores, rel)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("trial %d: RelevantRanks = %v, %v; want %v", trial, got, err, want)
		}
	}
}

func TestRelevantRanksBadInput(t *testing.T) {
	if _, err := RelevantRanks(nil, []float64{1, 2}, []bool{false, false}); !errors.Is(err, ErrUndefined) {
		t.Errorf("no relevant: err = %v", err)
	}
	if _, err := RelevantRanks(nil, []float64{}, []bool{}); !errors.Is(err, ErrUndefined) {
		t.Errorf("empty: err = %v", err)
	}
	if _, err := RelevantRanks(nil, []float64{1}, []bool{true, false}); !errors.Is(err, ErrLength) {
		t.Errorf("length: err = %v", err)
	}
	if _, err := RelevantRanks(nil, []float64{math.NaN(), 1}, []bool{false, true}); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: err = %v", err)
	}
}

func TestNDCGSinglePositiveClosedForm(t *testing.T) {
	for r := 1; r <= 50; r++ {
		m, err := AtK([]int{r}, 50)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 / math.Log2(float64(r)+1); math.Abs(m.NDCG-want) > 1e-15 {
			t.Errorf("rank %d: NDCG = %v, want %v", r, m.NDCG, want)
		}
		if m.HR != 1 || m.MRR != 1/float64(r) || m.Recall != 1 || m.Precision != 1.0/50 {
			t.Errorf("rank %d: %+v", r, m)
		}
	}
	// Outside the cutoff everything but MRR is zero.
	m, err := AtK([]int{11}, 10)
	if err != nil || (m != ListMetrics{MRR: 1.0 / 11}) {
		t.Errorf("rank 11 at K=10: %+v, %v", m, err)
	}
}

func TestAtKHand(t *testing.T) {
	// Relevant at ranks 1, 3, 6; K = 5.
	// DCG = 1/log2 2 + 1/log2 4 = 1.5; IDCG = 1 + 1/log2 3 + 1/log2 4 = 1.5 + 1/log2 3.
	m, err := AtK([]int{1, 3, 6}, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := ListMetrics{HR: 1, NDCG: 1.5 / (1.5 + 1/math.Log2(3)), MRR: 1, Recall: 2.0 / 3, Precision: 2.0 / 5}
	if m.HR != want.HR || !near(m.NDCG, want.NDCG, 1e-15) || m.MRR != want.MRR || !near(m.Recall, want.Recall, 1e-15) || !near(m.Precision, want.Precision, 1e-15) {
		t.Errorf("AtK = %+v, want %+v", m, want)
	}
	// K larger than the list (list of 3, all relevant at 1..3): perfect except precision 3/10.
	m, err = AtK([]int{1, 2, 3}, 10)
	if err != nil || m.HR != 1 || !near(m.NDCG, 1, 1e-15) || m.Recall != 1 || m.Precision != 0.3 {
		t.Errorf("K > list: %+v, %v", m, err)
	}
}

func TestAtKMoreRelevantThanK(t *testing.T) {
	// With R relevant items and R > K the ideal top-K list holds only K of
	// them, so IDCG@K sums min(R, K) terms, and recall divides by all R.
	//
	// Relevant at ranks 2, 3, 5, 8 (R = 4); K = 3. Hits: ranks 2 and 3.
	//   DCG@3  = 1/log2(3) + 1/log2(4)          = 0.6309298 + 0.5       = 1.1309298
	//   IDCG@3 = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.6309298 + 0.5 = 2.1309298
	//   NDCG@3 = 1.1309298 / 2.1309298 = 0.5307213
	// (an IDCG over all 4 relevant items would add 1/log2(5) = 0.4306766 and
	// give 0.4414924.)
	//   Recall@3 = 2/4 (not 2/min(4, 3) = 2/3); Precision@3 = 2/3; MRR = 1/2.
	m, err := AtK([]int{2, 3, 5, 8}, 3)
	if err != nil {
		t.Fatal(err)
	}
	const wantNDCG = 0.5307212739772434
	if m.HR != 1 || !near(m.NDCG, wantNDCG, 1e-12) || m.MRR != 0.5 || m.Recall != 0.5 || !near(m.Precision, 2.0/3, 1e-15) {
		t.Errorf("AtK([2 3 5 8], 3) = %+v; want HR 1, NDCG %v, MRR 0.5, Recall 0.5, Precision 2/3", m, wantNDCG)
	}

	// The top K all relevant, more relevant items below: the list is ideal
	// at K, so NDCG@K is exactly 1 (1.5+1/log2 3 over itself), while
	// recall is 3/5.
	m, err = AtK([]int{1, 2, 3, 4, 5}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m.NDCG != 1 || m.Recall != 0.6 || m.Precision != 1 || m.HR != 1 || m.MRR != 1 {
		t.Errorf("AtK([1..5], 3) = %+v; want NDCG 1, Recall 0.6, Precision 1", m)
	}
}

func TestAtKBadInput(t *testing.T) {
	cases := []struct {
		ranks []int
		k     int
		want  error
	}{
		{[]int{1}, 0, ErrRange},
		{nil, 5, ErrUndefined},
		{[]int{0}, 5, ErrRange},
		{[]int{3, 2}, 5, ErrRange},
		{[]int{2, 2}, 5, ErrRange},
	}
	for _, c := range cases {
		if _, err := AtK(c.ranks, c.k); !errors.Is(err, c.want) {
			t.Errorf("AtK(%v, %d): err = %v, want %v", c.ranks, c.k, err, c.want)
		}
	}
}

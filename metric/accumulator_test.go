package metric

import (
	"errors"
	"math"
	"testing"
)

func TestAccumulatorLeaveOneOut(t *testing.T) {
	acc, err := NewRankingAccumulator(10, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Three users, positive at ranks 1, 4 and 20 (from RankOfPositive).
	for _, c := range []struct {
		pos  float64
		negs []float64
	}{
		{0.9, []float64{0.1, 0.2}},           // rank 1
		{0.5, []float64{0.6, 0.7, 0.5, 0.1}}, // rank 4: 0.6, 0.7 and the tied 0.5 above
		{0.0, make([]float64, 19)},           // rank 20: 19 tied zeros above
	} {
		r, err := RankOfPositive(c.pos, c.negs)
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.AddRank(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := acc.AddRank(0); !errors.Is(err, ErrRange) || acc.Users() != 3 {
		t.Fatalf("bad rank: err = %v, users = %d", err, acc.Users())
	}
	m10, err := acc.Mean(10)
	if err != nil {
		t.Fatal(err)
	}
	wantNDCG := (1 + 1/math.Log2(5)) / 3
	wantMRR := (1 + 0.25 + 0.05) / 3
	if !near(m10.HR, 2.0/3, 1e-15) || !near(m10.NDCG, wantNDCG, 1e-15) || !near(m10.MRR, wantMRR, 1e-15) ||
		!near(m10.Recall, 2.0/3, 1e-15) || !near(m10.Precision, 2.0/30, 1e-15) {
		t.Errorf("Mean(10) = %+v; want HR 2/3, NDCG %v, MRR %v", m10, wantNDCG, wantMRR)
	}
	m1, _ := acc.Mean(1)
	if !near(m1.HR, 1.0/3, 1e-15) || !near(m1.NDCG, 1.0/3, 1e-15) {
		t.Errorf("Mean(1) = %+v", m1)
	}
	r := NewReport(ProtocolLOO(99))
	if err := acc.AddTo(r); err != nil {
		t.Fatal(err)
	}
	names := r.Names()
	want := []string{"hr@1", "hr@10", "mrr", "ndcg@1", "ndcg@10", "precision@1", "precision@10", "recall@1", "recall@10", "users"}
	if len(names) != len(want) {
		t.Fatalf("names = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names = %v, want %v", names, want)
		}
	}
	if r.Metrics["users"] != 3 || r.Metrics["hr@10"] != m10.HR {
		t.Errorf("report = %v", r.Metrics)
	}
}

func TestAccumulatorLists(t *testing.T) {
	acc, err := NewRankingAccumulator(2)
	if err != nil {
		t.Fatal(err)
	}
	var s RankScratch
	// User 1: relevant at ranks 1 and 3 → recall@2 ½, precision@2 ½.
	// User 2: relevant at rank 2 → recall 1, precision ½.
	for _, u := range []struct {
		scores []float64
		rel    []bool
	}{
		{[]float64{0.9, 0.5, 0.1, 0.4}, []bool{true, false, false, true}}, // 0.9(1) 0.5(2) 0.4(3)
		{[]float64{0.3, 0.4}, []bool{true, false}},
	} {
		ranks, err := RelevantRanks(&s, u.scores, u.rel)
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.AddRanks(ranks); err != nil {
			t.Fatal(err)
		}
	}
	m, err := acc.Mean(2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Recall != 0.75 || m.Precision != 0.5 || m.HR != 1 {
		t.Errorf("Mean(2) = %+v", m)
	}
}

func TestAccumulatorDegenerate(t *testing.T) {
	if _, err := NewRankingAccumulator(); !errors.Is(err, ErrRange) {
		t.Errorf("no K: err = %v", err)
	}
	if _, err := NewRankingAccumulator(5, 0); !errors.Is(err, ErrRange) {
		t.Errorf("K = 0: err = %v", err)
	}
	acc, _ := NewRankingAccumulator(5)
	if m, err := acc.Mean(5); !errors.Is(err, ErrUndefined) || !math.IsNaN(m.NDCG) {
		t.Errorf("no users: %+v, %v", m, err)
	}
	if _, err := acc.Mean(3); !errors.Is(err, ErrRange) {
		t.Errorf("unknown K: err = %v", err)
	}
	r := NewReport(ProtocolFullRanking)
	if err := acc.AddTo(r); !errors.Is(err, ErrUndefined) || len(r.Metrics) != 0 {
		t.Errorf("AddTo with no users: %v, %v", err, r.Metrics)
	}
	if err := acc.AddRanks(nil); !errors.Is(err, ErrUndefined) || acc.Users() != 0 {
		t.Errorf("user with no relevant item: err = %v, users = %d", err, acc.Users())
	}
}

func TestAccumulatorAddDoesNotAllocate(t *testing.T) {
	acc, _ := NewRankingAccumulator(5, 10)
	var s RankScratch
	scores := []float32{0.3, 0.9, 0.1, 0.5}
	rel := []bool{true, false, false, true}
	allocs := testing.AllocsPerRun(100, func() {
		ranks, err := RelevantRanks(&s, scores, rel)
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.AddRanks(ranks); err != nil {
			t.Fatal(err)
		}
		if err := acc.AddRank(3); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per user, want 0", allocs)
	}
}

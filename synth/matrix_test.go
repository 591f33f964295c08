package synth

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/recforge/recforge/data"
)

func newMatrix(t testing.TB, cfg MatrixConfig) *Matrix {
	t.Helper()
	m, err := NewMatrix(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatrixDeterministic(t *testing.T) {
	var out [3]bytes.Buffer
	for i, seed := range []uint64{1, 1, 2} {
		if err := newMatrix(t, MatrixConfig{Seed: seed, Users: 200, Items: 300}).WriteUData(&out[i]); err != nil {
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

// TestMatrixShape checks the default (MovieLens-100K-shaped) matrix: the
// requested density, ratings in 1..5, distinct cells, time order within
// users, popularity skew.
func TestMatrixShape(t *testing.T) {
	m := newMatrix(t, MatrixConfig{Seed: 3})
	want := int(math.Round(0.063 * 943 * 1682)) // 99,925
	if len(m.Users) != want {
		t.Fatalf("%d cells observed, want %d", len(m.Users), want)
	}
	seen := map[[2]int32]bool{}
	count := make([]int, m.NumItems)
	hist := [6]int{}
	for k := range m.Users {
		if r := m.Ratings[k]; r < 1 || r > 5 {
			t.Fatalf("row %d: rating %d", k, r)
		}
		hist[m.Ratings[k]]++
		cell := [2]int32{m.Users[k], m.Items[k]}
		if seen[cell] {
			t.Fatalf("cell %v observed twice", cell)
		}
		seen[cell] = true
		count[m.Items[k]]++
		if k > 0 && m.Users[k] == m.Users[k-1] && m.Times[k] <= m.Times[k-1] {
			t.Fatalf("row %d: time %d not after %d", k, m.Times[k], m.Times[k-1])
		}
		if k > 0 && m.Users[k] < m.Users[k-1] {
			t.Fatalf("row %d: users not grouped", k)
		}
	}
	for r := 1; r <= 5; r++ {
		if hist[r] == 0 {
			t.Errorf("no rating %d: histogram %v", r, hist[1:])
		}
	}
	// Zipf 0.8 over 1682 items: the top 10% of items take far more than
	// 10% of the cells.
	slices.Sort(count)
	top := 0
	for _, c := range count[len(count)*9/10:] {
		top += c
	}
	if share := float64(top) / float64(want); share < 0.25 {
		t.Errorf("top 10%% of items hold %.2f of the cells: no popularity skew", share)
	}
	t.Logf("ratings %v, top-decile share %.2f", hist[1:], float64(top)/float64(want))
}

// TestMatrixNoiseFree checks that without noise a rating is its true
// score rounded and clipped, and that the scores have the planted mean.
func TestMatrixNoiseFree(t *testing.T) {
	m := newMatrix(t, MatrixConfig{Seed: 4, Users: 300, Items: 400, Noise: -1})
	var mean float64
	for k, s := range m.True {
		if want := int8(min(max(math.Round(s), 1), 5)); m.Ratings[k] != want {
			t.Fatalf("row %d: rating %d, true score %v", k, m.Ratings[k], s)
		}
		mean += s
	}
	// Item and user biases and factors average out near the mean 3.5.
	if mean /= float64(len(m.True)); math.Abs(mean-3.5) > 0.3 {
		t.Errorf("mean true score %.3f, want about 3.5", mean)
	}
}

// TestMatrixLeaveOneOut checks that leave-one-out by time holds out each
// user's last row.
func TestMatrixLeaveOneOut(t *testing.T) {
	m := newMatrix(t, MatrixConfig{Seed: 5, Users: 100, Items: 500, Density: 0.05})
	split, err := data.LeaveOneOut(m.Interactions(), 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(split.Test) != 100 {
		t.Fatalf("%d users tested, want 100", len(split.Test))
	}
	for _, row := range split.Test {
		if int(row) != len(m.Users)-1 && m.Users[row+1] == m.Users[row] {
			t.Fatalf("held-out row %d is not its user's latest", row)
		}
	}
}

func TestMatrixConfigErrors(t *testing.T) {
	for _, cfg := range []MatrixConfig{{Density: 1.5}, {Users: -1}, {Skew: -1}, {Rank: -2}} {
		if _, err := NewMatrix(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

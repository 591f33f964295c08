package rating

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/synth"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFileAndIndex(t *testing.T) {
	dir := t.TempDir()
	train := writeFile(t, dir, "a.base", "10\t7\t4\t881250949\n3\t7\t2.5\t881250950\n10\t9\t5\t881250951\n")
	test := writeFile(t, dir, "a.test", "3\t9\t1\t1\n11\t7\t3\t2\n10\t8\t5\t3\n")
	rawTrain, err := ReadFile(train)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rawTrain.Users, []int64{10, 3, 10}) || !slices.Equal(rawTrain.Items, []int64{7, 7, 9}) || !slices.Equal(rawTrain.Values, []float32{4, 2.5, 5}) {
		t.Fatalf("read %+v", rawTrain)
	}
	idx := NewIndex(rawTrain)
	if idx.NumUsers() != 2 || idx.NumItems() != 2 {
		t.Fatalf("index sizes %d users, %d items, want 2, 2", idx.NumUsers(), idx.NumItems())
	}
	// Dense ids follow first appearance.
	if idx.User(10) != 0 || idx.User(3) != 1 || idx.Item(7) != 0 || idx.Item(9) != 1 || idx.RawUser(1) != 3 || idx.RawItem(1) != 9 {
		t.Error("dense ids do not follow first appearance")
	}
	rawTest, err := ReadFile(test)
	if err != nil {
		t.Fatal(err)
	}
	enc := idx.Encode(rawTest)
	if !slices.Equal(enc.Users, []int32{1, Unseen, 0}) || !slices.Equal(enc.Items, []int32{1, 0, Unseen}) {
		t.Errorf("encoded test users %v, items %v", enc.Users, enc.Items)
	}
	if enc.NumUsers != 2 || enc.NumItems != 2 {
		t.Errorf("encoded id spaces %d×%d, want the index's 2×2", enc.NumUsers, enc.NumItems)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	var pe *data.ParseError
	if _, err := ReadFile(filepath.Join(dir, "missing.base")); err == nil || !strings.Contains(err.Error(), "missing.base") {
		t.Errorf("missing file: %v", err)
	}
	bad := writeFile(t, dir, "bad.base", "1\t2\t3\t4\n1\tx\t3\t4\n")
	if _, err := ReadFile(bad); !errors.As(err, &pe) || pe.Line != 2 || pe.Column != 2 {
		t.Errorf("non-numeric item on line 2: %v", err)
	}
	short := writeFile(t, dir, "short.base", "1\t2\t3\t4\n1\t2\n")
	if _, err := ReadFile(short); !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("short line 2: %v", err)
	}
	nan := writeFile(t, dir, "nan.base", "1\t2\tNaN\t4\n")
	if _, err := ReadFile(nan); err == nil || !strings.Contains(err.Error(), "rating") {
		t.Errorf("NaN rating: %v", err)
	}
	item := writeFile(t, dir, "u.item", "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n")
	if _, err := ReadFile(item); err == nil || !strings.Contains(err.Error(), "not a rating file") {
		t.Errorf("u.item: %v", err)
	}
}

func TestSplitIsSeededAndDisjoint(t *testing.T) {
	r := randomRatings(1, 40, 30, 0.3, 0, 0)
	a1, b1, err := r.Split(0.1, 5)
	if err != nil {
		t.Fatal(err)
	}
	a2, b2, _ := r.Split(0.1, 5)
	_, b3, _ := r.Split(0.1, 6)
	if !slices.Equal(b1.Users, b2.Users) || !slices.Equal(b1.Items, b2.Items) || !slices.Equal(a1.Values, a2.Values) {
		t.Error("one seed gave two splits")
	}
	if slices.Equal(b1.Items, b3.Items) && slices.Equal(b1.Users, b3.Users) {
		t.Error("seeds 5 and 6 gave the same split")
	}
	if got, want := b1.Len(), int(math.Round(0.1*float64(r.Len()))); got != want || a1.Len()+b1.Len() != r.Len() {
		t.Errorf("split %d + %d of %d, want %d held", a1.Len(), b1.Len(), r.Len(), want)
	}
	seen := map[[2]int32]bool{}
	for k := range a1.Values {
		seen[[2]int32{a1.Users[k], a1.Items[k]}] = true
	}
	for k := range b1.Values {
		if seen[[2]int32{b1.Users[k], b1.Items[k]}] {
			t.Fatal("a cell is in both parts")
		}
	}
	for _, s := range []float64{0, 1, -0.5, math.NaN()} {
		if _, _, err := r.Split(s, 1); err == nil {
			t.Errorf("share %v accepted", s)
		}
	}
}

func TestSummarize(t *testing.T) {
	rs := []FoldResult{{Test: Metrics{RMSE: 1, MAE: 0.5}}, {Test: Metrics{RMSE: 2, MAE: 0.5}}, {Test: Metrics{RMSE: 3, MAE: 0.5}}}
	s := Summarize(rs)
	if s.RMSE != 2 || s.RMSEStd != 1 || s.MAE != 0.5 || s.MAEStd != 0 {
		t.Errorf("summary %+v, want mean 2, sample std 1, MAE 0.5 ± 0", s)
	}
}

func TestFoldsFromPattern(t *testing.T) {
	fs, err := FoldsFromPattern("d/u{fold}.base", "d/u{fold}.test", 3)
	if err != nil || len(fs) != 3 || fs[2].Train != "d/u3.base" || fs[2].Test != "d/u3.test" || fs[0].Name != "1" {
		t.Errorf("folds %+v, %v", fs, err)
	}
	if _, err := FoldsFromPattern("d/u1.base", "d/u{fold}.test", 2); err == nil {
		t.Error("two folds without {fold} in the train pattern accepted")
	}
	if fs, err := FoldsFromPattern("a.base", "a.test", 1); err != nil || fs[0].Train != "a.base" {
		t.Errorf("one fold: %+v, %v", fs, err)
	}
}

// writeSynthFolds writes two train/test folds of a synthetic matrix.
func writeSynthFolds(t *testing.T, dir string) {
	t.Helper()
	for f := 1; f <= 2; f++ {
		m, err := synth.NewMatrix(synth.MatrixConfig{Seed: uint64(f), Users: 80, Items: 60, Rank: 3, Density: 0.25, Noise: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		var tr, te strings.Builder
		for k := range m.Users {
			line := fmt.Sprintf("%d\t%d\t%d\t%d\n", m.Users[k]+1, m.Items[k]+1, m.Ratings[k], m.Times[k])
			if k%5 == 0 {
				te.WriteString(line)
			} else {
				tr.WriteString(line)
			}
		}
		writeFile(t, dir, fmt.Sprintf("s%d.base", f), tr.String())
		writeFile(t, dir, fmt.Sprintf("s%d.test", f), te.String())
	}
}

// The protocol: early stopping on a held-out share picks the epochs, then
// the refit on the whole training file runs exactly that many.
func TestRunFoldsRefitsForChosenEpochs(t *testing.T) {
	dir := t.TempDir()
	writeSynthFolds(t, dir)
	folds, err := FoldsFromPattern(filepath.Join(dir, "s{fold}.base"), filepath.Join(dir, "s{fold}.test"), 2)
	if err != nil {
		t.Fatal(err)
	}
	build := func(epochs int) (Model, error) {
		cfg := BiasedMFConfig{Factors: 6, LR: 0.02, Epochs: 60, Patience: 3, Seed: 1}
		if epochs > 0 {
			cfg.Epochs = epochs
		}
		return NewBiasedMF(cfg)
	}
	var seen int
	rs, err := RunFolds(context.Background(), folds, build, Protocol{ValidShare: 0.1}, func(*FoldResult) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	if seen != 2 || len(rs) != 2 {
		t.Fatalf("%d callbacks, %d results", seen, len(rs))
	}
	for _, r := range rs {
		if r.Final.Epochs != r.Select.BestEpoch || r.Final.ValidRMSE != 0 {
			t.Errorf("fold %s: refit ran %d epochs, validation chose %d", r.Fold.Name, r.Final.Epochs, r.Select.BestEpoch)
		}
		if r.Test.N == 0 || !(r.Test.RMSE > 0 && r.Test.RMSE < 1.2) {
			t.Errorf("fold %s: test %+v", r.Fold.Name, r.Test)
		}
	}
	// NoRefit tests the early-stopped model itself.
	rs2, err := RunFolds(context.Background(), folds[:1], build, Protocol{ValidShare: 0.1, NoRefit: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs2[0].Final != rs2[0].Select {
		t.Error("NoRefit: the tested run is not the validation run")
	}
	// A missing test file is reported with its path.
	bad := []Fold{{Name: "x", Train: folds[0].Train, Test: filepath.Join(dir, "nope.test")}}
	if _, err := RunFolds(context.Background(), bad, build, Protocol{}, nil); err == nil || !strings.Contains(err.Error(), "nope.test") {
		t.Errorf("missing test file: %v", err)
	}
}

func TestFitStopsOnCancel(t *testing.T) {
	train := randomRatings(2, 20, 15, 0.3, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, m := range []Model{
		func() Model { m, _ := NewBiasedMF(BiasedMFConfig{}); return m }(),
		func() Model { m, _ := NewAutoRec(AutoRecConfig{Hidden: 4}); return m }(),
		func() Model { m, _ := NewAutoRec(AutoRecConfig{Hidden: 4, Optimizer: "lbfgs"}); return m }(),
	} {
		if _, err := m.Fit(ctx, train, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%T: %v, want context.Canceled", m, err)
		}
	}
}

func TestSplitUsersHoldsOutAShareOfDrawnUsers(t *testing.T) {
	r := randomRatings(2, 40, 30, 0.3, 0, 0)
	rest, held, err := r.SplitUsers(0.5, 0.2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if rest.Len()+held.Len() != r.Len() {
		t.Fatalf("split %d + %d of %d", rest.Len(), held.Len(), r.Len())
	}
	total := make([]int, r.NumUsers)
	for _, u := range r.Users {
		total[u]++
	}
	heldN := make([]int, r.NumUsers)
	for _, u := range held.Users {
		heldN[u]++
	}
	drawn := 0
	for u, h := range heldN {
		if h == 0 {
			continue
		}
		drawn++
		// Exactly round(0.2 n_u) of each drawn user's ratings go, at least one stays.
		if want := min(max(int(math.Round(0.2*float64(total[u]))), 1), total[u]-1); h != want {
			t.Errorf("user %d: %d of %d ratings held out, want %d", u, h, total[u], want)
		}
	}
	if drawn != 20 {
		t.Errorf("%d of 40 users drawn, want 20", drawn)
	}
	seen := map[[2]int32]bool{}
	for k := range rest.Values {
		seen[[2]int32{rest.Users[k], rest.Items[k]}] = true
	}
	for k := range held.Values {
		if seen[[2]int32{held.Users[k], held.Items[k]}] {
			t.Fatal("a cell is in both parts")
		}
	}
	_, again, _ := r.SplitUsers(0.5, 0.2, 5)
	_, other, _ := r.SplitUsers(0.5, 0.2, 6)
	if !slices.Equal(held.Users, again.Users) || !slices.Equal(held.Items, again.Items) {
		t.Error("one seed gave two splits")
	}
	if slices.Equal(held.Users, other.Users) && slices.Equal(held.Items, other.Items) {
		t.Error("seeds 5 and 6 gave the same split")
	}
	// A user with two ratings keeps one even at a 90% share.
	two := &Ratings{Users: []int32{0, 0}, Items: []int32{0, 1}, Values: []float32{1, 2}, NumUsers: 1, NumItems: 2}
	if a, b, err := two.SplitUsers(1, 0.9, 1); err != nil || a.Len() != 1 || b.Len() != 1 {
		t.Errorf("two ratings at share 0.9: %v + %v, %v; want 1 + 1", a, b, err)
	}
	for _, c := range [][2]float64{{0, 0.2}, {1.5, 0.2}, {0.5, 0}, {0.5, 1}, {math.NaN(), 0.2}, {0.5, math.NaN()}} {
		if _, _, err := r.SplitUsers(c[0], c[1], 1); err == nil {
			t.Errorf("user share %v, share %v accepted", c[0], c[1])
		}
	}
	if _, _, err := r.SplitUsers(0.001, 0.2, 1); err == nil || !strings.Contains(err.Error(), "draws none") {
		t.Errorf("a share drawing no user: %v", err)
	}
	if _, _, err := (Protocol{ValidMode: "blocks"}).withDefaults().split(r); err == nil || !strings.Contains(err.Error(), "blocks") {
		t.Errorf("unknown mode: %v", err)
	}
}

package rating

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/synth"
)

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

// writeSynthFolds writes two train/test folds of a synthetic matrix in
// u.data format, one rating in five a test rating.
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
		for name, text := range map[string]string{fmt.Sprintf("s%d.base", f): tr.String(), fmt.Sprintf("s%d.test", f): te.String()} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
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
	tc, _ := Training("biasedmf", "")
	tc.Epochs, tc.EarlyStop.Patience = 60, 3
	cfg := &pipeline.Config{Model: pipeline.ModelConfig{Name: "biasedmf", Params: map[string]any{"factors": 6, "lr": 0.02}}, Train: tc}
	p := Protocol{Holdout: pipeline.RatingHoldout{Share: 0.1}, CacheDir: t.TempDir()}
	var seen int
	rs, err := RunFolds(context.Background(), folds, cfg, p, func(*FoldResult) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	if seen != 2 || len(rs) != 2 {
		t.Fatalf("%d callbacks, %d results", seen, len(rs))
	}
	for _, r := range rs {
		if r.Final.Epochs != r.Select.BestEpoch || r.Final.ValidRMSE != 0 || r.Select.BestEpoch >= r.Select.Epochs {
			t.Errorf("fold %s: validation ran %d epochs and chose %d; the refit ran %d", r.Fold.Name, r.Select.Epochs, r.Select.BestEpoch, r.Final.Epochs)
		}
		if r.Test.N == 0 || !(r.Test.RMSE > 0 && r.Test.RMSE < 1.2) || !(r.Select.ValidRMSE > 0) {
			t.Errorf("fold %s: test %+v, validation RMSE %v", r.Fold.Name, r.Test, r.Select.ValidRMSE)
		}
	}
	// NoRefit tests the early-stopped model itself.
	p.NoRefit = true
	rs2, err := RunFolds(context.Background(), folds[:1], cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs2[0].Final != rs2[0].Select {
		t.Error("NoRefit: the tested run is not the validation run")
	}
	// A missing test file is reported with its path.
	bad := []Fold{{Name: "x", Train: folds[0].Train, Test: filepath.Join(dir, "nope.test")}}
	if _, err := RunFolds(context.Background(), bad, cfg, Protocol{CacheDir: t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "nope.test") {
		t.Errorf("missing test file: %v", err)
	}
}

// Cancelling stops a fold with ctx's error.
func TestRunFoldStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	writeSynthFolds(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tc, _ := Training("autorec-i", "adam")
	cfg := &pipeline.Config{Model: pipeline.ModelConfig{Name: "autorec-i", Params: map[string]any{"hidden": 4}}, Train: tc}
	_, err := RunFold(ctx, Fold{Name: "1", Train: filepath.Join(dir, "s1.base"), Test: filepath.Join(dir, "s1.test")}, cfg, Protocol{CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled: %v", err)
	}
}

// With Protocol.Tune each fold searches biased MF's space on its
// validation part, then runs the protocol with the configuration chosen
// (its budget, 9 epochs, in place of cfg's 60). The search never reads
// the test file: the same training file with another test file gives the
// same trials and the same choice, and only the test errors differ.
func TestRunFoldTunesOnValidationOnly(t *testing.T) {
	dir := t.TempDir()
	writeSynthFolds(t, dir)
	tc, _ := Training("biasedmf", "")
	tc.Epochs, tc.EarlyStop.Patience = 60, 3
	cfg := &pipeline.Config{Model: pipeline.ModelConfig{Name: "biasedmf", Params: map[string]any{"factors": 6}}, Train: tc}
	p := Protocol{Holdout: pipeline.RatingHoldout{Share: 0.1}, CacheDir: t.TempDir(), Tune: &pipeline.TuneOptions{Trials: 6, Budget: 9, Seed: 3}}
	var trials [2][]byte
	var rmse [2]float64
	for i, test := range []string{"s1.test", "s2.test"} {
		r, err := RunFold(context.Background(), Fold{Name: "1", Train: filepath.Join(dir, "s1.base"), Test: filepath.Join(dir, test)}, cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		if r.Tuned == nil || len(r.Tuned.Rungs) != 2 || r.Tuned.Config.Train.Epochs != 9 || r.Select.Epochs > 9 || r.Final.Epochs != r.Select.BestEpoch {
			t.Fatalf("fold with %s: tuned %+v, select %+v, final %+v", test, r.Tuned, r.Select, r.Final)
		}
		if r.Tuned.Metric != "rmse" || r.Tuned.Higher {
			t.Errorf("ranked by %s (higher %v), want rmse, lower better", r.Tuned.Metric, r.Tuned.Higher)
		}
		if trials[i], err = json.Marshal(r.Tuned.Records); err != nil {
			t.Fatal(err)
		}
		rmse[i] = r.Test.RMSE
	}
	if string(trials[0]) != string(trials[1]) {
		t.Errorf("the test file changed the search:\n%s\n%s", trials[0], trials[1])
	}
	if rmse[0] == rmse[1] {
		t.Errorf("both test files score RMSE %v: the test files are not different", rmse[0])
	}
}

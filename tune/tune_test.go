package tune

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The rungs of successive halving, worked out by hand: sizes ⌊n/ηⁱ⌋ while
// at least 2, each keeping ⌊size/η⌋ (at least 1), epochs
// max(min, ⌊R/η^(K−i)⌋) so that the chosen configuration's R comes next.
func TestPlanByHand(t *testing.T) {
	for _, c := range []struct {
		n, eta, min, max int
		want             []Rung
	}{
		// 9 → 3 → 1: 1 epoch, then 3, then the chosen one's 9.
		{9, 3, 1, 9, []Rung{{0, 9, 3, 1}, {1, 3, 1, 3}}},
		{27, 3, 1, 27, []Rung{{0, 27, 9, 1}, {1, 9, 3, 3}, {2, 3, 1, 9}}},
		// 16/3 = 5, 5/3 = 1; 10/9 = 1, 10/3 = 3.
		{16, 3, 1, 10, []Rung{{0, 16, 5, 1}, {1, 5, 1, 3}}},
		{8, 2, 1, 8, []Rung{{0, 8, 4, 1}, {1, 4, 2, 2}, {2, 2, 1, 4}}},
		// A budget too small to halve: every rung trains the least.
		{10, 3, 1, 2, []Rung{{0, 10, 3, 1}, {1, 3, 1, 1}}},
		// 4/3 = 1: one rung, keeping the best; 20/3 = 6 ≥ min 2.
		{4, 3, 2, 20, []Rung{{0, 4, 1, 6}}},
		{2, 3, 1, 5, []Rung{{0, 2, 1, 1}}},
		{12, 4, 3, 16, []Rung{{0, 12, 3, 3}, {1, 3, 1, 4}}},
	} {
		got, err := Plan(c.n, c.eta, c.min, c.max)
		if err != nil {
			t.Fatalf("Plan(%d, %d, %d, %d): %v", c.n, c.eta, c.min, c.max, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Plan(%d, %d, %d, %d) = %v, want %v", c.n, c.eta, c.min, c.max, got, c.want)
		}
	}
	for _, c := range []struct {
		n, eta, min, max int
		want             string
	}{
		{1, 3, 1, 9, "1 configurations, want ≥ 2"},
		{9, 1, 1, 9, "halving factor 1, want ≥ 2"},
		{9, 3, 0, 9, "0 epochs at the first rung"},
		{9, 3, 3, 2, "budget of 2 epochs, want ≥ 3"},
	} {
		if _, err := Plan(c.n, c.eta, c.min, c.max); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Plan(%d, %d, %d, %d): error %v, want %q", c.n, c.eta, c.min, c.max, err, c.want)
		}
	}
}

// table is a hand-made metric table: trial ID → epochs → value.
type table map[int]map[int]float64

func (tb table) eval(calls *[][2]int) Evaluate {
	return func(_ context.Context, t Trial, epochs int) (float64, error) {
		*calls = append(*calls, [2]int{t.ID, epochs})
		v, ok := tb[t.ID][epochs]
		if !ok {
			return 0, errors.New("no value in the table for trial " + strconv.Itoa(t.ID) + " at " + strconv.Itoa(epochs) + " epochs")
		}
		return v, nil
	}
}

func trialsN(n int) []Trial {
	ts := make([]Trial, n)
	for i := range ts {
		ts[i] = Trial{ID: i, Params: map[string]any{"x": i}, Train: map[string]any{}}
	}
	return ts
}

// On a hand-made table the rungs keep the best by hand: the top third at
// 1 epoch (a tie going to the lower ID, NaN last), then the best of those
// at 3 epochs; only kept configurations train again.
func TestHalveKeepsTheBestOfAHandMadeTable(t *testing.T) {
	nan := math.NaN()
	tb := table{
		0: {1: 0.60}, 1: {1: 0.70}, 2: {1: 0.65}, 3: {1: 0.72, 3: 0.74}, 4: {1: 0.55},
		5: {1: 0.71, 3: 0.78}, 6: {1: nan}, 7: {1: 0.69}, 8: {1: 0.72, 3: 0.76},
	}
	var calls [][2]int
	var rungsSeen []Rung
	res, err := Halve(context.Background(), trialsN(9), Options{MaxEpochs: 9, Higher: true,
		OnRung: func(r Rung, _ []Record) { rungsSeen = append(rungsSeen, r) }}, tb.eval(&calls))
	if err != nil {
		t.Fatal(err)
	}
	// Rung 0: 0.72 (trials 3 and 8, 3 first), 0.71 (5) are the top three.
	var kept0, kept1 []int
	for _, r := range res.Records {
		if r.Kept && r.Rung == 0 {
			kept0 = append(kept0, r.Trial)
		}
		if r.Kept && r.Rung == 1 {
			kept1 = append(kept1, r.Trial)
		}
	}
	if !slices.Equal(kept0, []int{3, 5, 8}) || !slices.Equal(kept1, []int{5}) {
		t.Errorf("kept %v then %v, want [3 5 8] then [5]", kept0, kept1)
	}
	if res.Best.ID != 5 || res.BestValue != 0.78 {
		t.Errorf("best trial %d (%v), want 5 (0.78)", res.Best.ID, res.BestValue)
	}
	if len(res.Records) != 12 || len(calls) != 12 {
		t.Errorf("%d records from %d trainings, want 12 of each (9 + 3)", len(res.Records), len(calls))
	}
	if len(rungsSeen) != 2 || rungsSeen[1].Epochs != 3 {
		t.Errorf("rungs reported %v", rungsSeen)
	}

	// Lower is better: 0.55 (4), 0.60 (0), 0.65 (2); NaN still last.
	tb = table{0: {1: 0.60, 3: 0.50}, 1: {1: 0.70}, 2: {1: 0.65, 3: 0.40}, 3: {1: 0.72}, 4: {1: 0.55, 3: 0.45},
		5: {1: 0.71}, 6: {1: nan}, 7: {1: 0.69}, 8: {1: 0.72}}
	calls = nil
	res, err = Halve(context.Background(), trialsN(9), Options{MaxEpochs: 9, Higher: false}, tb.eval(&calls))
	if err != nil {
		t.Fatal(err)
	}
	if res.Best.ID != 2 || res.BestValue != 0.40 {
		t.Errorf("lower is better: best trial %d (%v), want 2 (0.40)", res.Best.ID, res.BestValue)
	}
}

// Rank orders by value in the metric's direction, NaN last, ties stable.
func TestRank(t *testing.T) {
	recs := []Record{{Value: 0.5}, {Value: math.NaN()}, {Value: 0.9}, {Value: 0.5}, {Value: 0.1}}
	if got := Rank(recs, true); !slices.Equal(got, []int{2, 0, 3, 4, 1}) {
		t.Errorf("higher: %v, want [2 0 3 4 1]", got)
	}
	if got := Rank(recs, false); !slices.Equal(got, []int{4, 0, 3, 2, 1}) {
		t.Errorf("lower: %v, want [4 0 3 2 1]", got)
	}
}

// A configuration scored for the same epochs at an earlier rung is not
// trained again: with a 2-epoch budget both rungs train 1 epoch.
func TestHalveReusesScores(t *testing.T) {
	tb := table{}
	for i := range 9 {
		tb[i] = map[int]float64{1: float64(i)}
	}
	var calls [][2]int
	res, err := Halve(context.Background(), trialsN(9), Options{MaxEpochs: 2, Higher: true}, tb.eval(&calls))
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 9 || len(res.Records) != 12 || res.Best.ID != 8 {
		t.Errorf("%d trainings, %d records, best %d; want 9, 12 and trial 8", len(calls), len(res.Records), res.Best.ID)
	}
}

// An error from a trial ends the search naming the trial; so does a
// cancelled context.
func TestHalveErrors(t *testing.T) {
	var calls [][2]int
	_, err := Halve(context.Background(), trialsN(3), Options{MaxEpochs: 3}, table{0: {1: 1}}.eval(&calls))
	if err == nil || !strings.Contains(err.Error(), "trial 1, rung 0 (1 epochs)") {
		t.Errorf("error %v, want one naming trial 1", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Halve(ctx, trialsN(3), Options{MaxEpochs: 3}, table{}.eval(&calls)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := Halve(context.Background(), trialsN(3), Options{}, table{}.eval(&calls)); err == nil || !strings.Contains(err.Error(), "no budget") {
		t.Errorf("no budget: %v", err)
	}
}

func testSpace() Space {
	return Space{
		LogUniform("lr", 1e-4, 1e-2).Training(),
		OneOf("embedding_dim", 8, 16, 32),
		Uniform("dropout", 0, 0.5),
	}
}

// The same seed draws the same configurations; another seed others. Every
// value lies in its range, rounded to 3 significant digits, and the
// configurations are distinct.
func TestSampleIsSeeded(t *testing.T) {
	a, err := Sample(testSpace(), 20, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Sample(testSpace(), 20, 7, nil)
	c, _ := Sample(testSpace(), 20, 8, nil)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed drew different configurations")
	}
	same := 0
	for i := range a {
		if reflect.DeepEqual(a[i], c[i]) {
			same++
		}
	}
	if same == len(a) {
		t.Error("seeds 7 and 8 drew the same configurations")
	}
	keys := map[string]bool{}
	for i, tr := range a {
		if tr.ID != i {
			t.Errorf("trial %d has ID %d", i, tr.ID)
		}
		lr := tr.Train["lr"].(float64)
		if lr < 1e-4 || lr > 1e-2 || strconv.FormatFloat(lr, 'g', -1, 64) != strconv.FormatFloat(lr, 'g', 3, 64) {
			t.Errorf("lr %v: out of range or not 3 significant digits", lr)
		}
		if d := tr.Params["dropout"].(float64); d < 0 || d > 0.5 {
			t.Errorf("dropout %v out of [0, 0.5]", d)
		}
		if e := tr.Params["embedding_dim"].(int); e != 8 && e != 16 && e != 32 {
			t.Errorf("embedding_dim %v", e)
		}
		if _, ok := tr.Params["lr"]; ok {
			t.Error("lr, a training setting, is among the model's parameters")
		}
		if keys[tr.key()] {
			t.Errorf("trial %d repeats an earlier one", i)
		}
		keys[tr.key()] = true
	}
}

// A log scale spreads its draws evenly over the orders of magnitude: on
// [1e-4, 1e-2] half fall below the geometric middle 1e-3 and a quarter
// below 10^-3.5; a linear scale puts half below the arithmetic middle.
func TestSampleScales(t *testing.T) {
	s := Space{LogUniform("lr", 1e-4, 1e-2), Uniform("d", 0, 1)}
	ts, err := Sample(s, 4000, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lrs, ds []float64
	for _, tr := range ts {
		lrs = append(lrs, tr.Params["lr"].(float64))
		ds = append(ds, tr.Params["d"].(float64))
	}
	sort.Float64s(lrs)
	sort.Float64s(ds)
	frac := func(xs []float64, below float64) float64 {
		return float64(sort.SearchFloat64s(xs, below)) / float64(len(xs))
	}
	if f := frac(lrs, 1e-3); math.Abs(f-0.5) > 0.04 {
		t.Errorf("%.3f of log draws below 1e-3, want 0.5", f)
	}
	if f := frac(lrs, math.Pow(10, -3.5)); math.Abs(f-0.25) > 0.04 {
		t.Errorf("%.3f of log draws below 10^-3.5, want 0.25", f)
	}
	if f := frac(ds, 0.5); math.Abs(f-0.5) > 0.04 {
		t.Errorf("%.3f of linear draws below 0.5, want 0.5", f)
	}
}

// The base configuration is trial 0, as given, and is not drawn again; a
// space with fewer points than asked for gives what it has, and Run
// refuses one with a single point.
func TestSampleBaseAndSmallSpaces(t *testing.T) {
	base := &Trial{Params: map[string]any{"embedding_dim": 16}, Train: map[string]any{}}
	ts, err := Sample(Space{OneOf("embedding_dim", 8, 16, 32)}, 9, 3, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[0].Params["embedding_dim"] != 16 || ts[0].ID != 0 {
		t.Fatalf("got %v, want the base first and the two other widths", ts)
	}
	got := []any{ts[1].Params["embedding_dim"], ts[2].Params["embedding_dim"]}
	if !(got[0] == 8 && got[1] == 32 || got[0] == 32 && got[1] == 8) {
		t.Errorf("drawn %v, want 8 and 32", got)
	}
	_, err = Run(context.Background(), Space{OneOf("x", 1)}, Options{Trials: 5, MaxEpochs: 3}, table{}.eval(new([][2]int)))
	if err == nil || !strings.Contains(err.Error(), "holds 1 distinct configuration") {
		t.Errorf("a one-point space: %v", err)
	}
}

// Bad spaces are errors naming the parameter, never panics.
func TestSpaceValidate(t *testing.T) {
	for _, c := range []struct {
		s    Space
		want string
	}{
		{nil, "empty"},
		{Space{}, "empty"},
		{Space{LogUniform("lr", 0, 1)}, "lr: a log scale needs finite bounds 0 < low"},
		{Space{LogUniform("lr", 1e-2, 1e-4)}, "lr: a log scale"},
		{Space{Uniform("d", 1, 0)}, "d: a linear scale"},
		{Space{Uniform("d", 0, math.Inf(1))}, "d: a linear scale"},
		{Space{OneOf("w")}, "w: no values"},
		{Space{{Name: "x"}}, "x: unknown scale"},
		{Space{OneOf("", 1)}, "without a name"},
		{Space{OneOf("w", 1), OneOf("w", 2)}, "w is in the search space twice"},
	} {
		if err := c.s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.s, err, c.want)
		}
		if _, err := Sample(c.s, 3, 1, nil); err == nil {
			t.Errorf("%v: Sample drew from a bad space", c.s)
		}
	}
	// The same name as a model parameter and as a training setting is two
	// parameters (a rating model's own lr beside the optimizer's).
	if err := (Space{OneOf("lr", 1), OneOf("lr", 2).Training()}).Validate(); err != nil {
		t.Error(err)
	}
	if _, err := Sample(testSpace(), 0, 1, nil); err == nil {
		t.Error("Sample of 0 configurations")
	}
	if _, err := Sample(testSpace(), MaxTrials+1, 1, nil); err == nil {
		t.Error("Sample of more than MaxTrials configurations")
	}
	if _, err := Plan(MaxTrials+1, 3, 1, 9); err == nil {
		t.Error("Plan of more than MaxTrials configurations")
	}
	if got := LogUniform("lr", 1e-4, 0.01).Training().String(); got != "lr (training): log [0.0001, 0.01]" {
		t.Errorf("String: %q", got)
	}
	if got := OneOf("w", 8, 16).String(); got != "w: one of [8,16]" {
		t.Errorf("String: %q", got)
	}
}

// Run draws, then halves: the same seed gives the same records.
func TestRunIsDeterministic(t *testing.T) {
	score := func(_ context.Context, tr Trial, epochs int) (float64, error) {
		return -math.Abs(math.Log10(tr.Train["lr"].(float64))+3) + 0.01*float64(epochs), nil
	}
	a, err := Run(context.Background(), testSpace(), Options{Trials: 9, MaxEpochs: 9, Seed: 4, Higher: true}, score)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(context.Background(), testSpace(), Options{Trials: 9, MaxEpochs: 9, Seed: 4, Higher: true}, score)
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with seed 4 differ")
	}
	// The kept trial has the lr nearest 1e-3 among rung 0's: the score
	// rises towards it.
	best := a.Trials[0]
	for _, tr := range a.Trials {
		if math.Abs(math.Log10(tr.Train["lr"].(float64))+3) < math.Abs(math.Log10(best.Train["lr"].(float64))+3) {
			best = tr
		}
	}
	if a.Best.ID != best.ID {
		t.Errorf("chose trial %d, want %d (lr nearest 1e-3)", a.Best.ID, best.ID)
	}
}

// A grid lists every combination, the first parameter slowest.
func TestGrid(t *testing.T) {
	g, err := Grid(Space{OneOf("factors", 8, 16), OneOf("lr", 0.001, 0.005, 0.01).Training()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, tr := range g {
		if tr.ID != i {
			t.Errorf("trial %d has ID %d", i, tr.ID)
		}
		got = append(got, strconv.Itoa(tr.Params["factors"].(int))+"/"+strconv.FormatFloat(tr.Train["lr"].(float64), 'g', -1, 64))
	}
	want := []string{"8/0.001", "8/0.005", "8/0.01", "16/0.001", "16/0.005", "16/0.01"}
	if !slices.Equal(got, want) {
		t.Errorf("grid %v, want %v", got, want)
	}
	if _, err := Grid(Space{LogUniform("lr", 1e-4, 1e-2)}); err == nil || !strings.Contains(err.Error(), "a grid needs choices") {
		t.Errorf("a grid over a log scale: %v", err)
	}
	if _, err := Grid(nil); err == nil {
		t.Error("an empty grid")
	}
}

func TestBetter(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		x, y   float64
		higher bool
		want   bool
	}{{2, 1, true, true}, {1, 2, true, false}, {1, 2, false, true}, {1, 1, true, false}, {1, nan, true, true}, {nan, 1, false, false}, {nan, nan, true, false}} {
		if got := Better(c.x, c.y, c.higher); got != c.want {
			t.Errorf("Better(%v, %v, %v) = %v", c.x, c.y, c.higher, got)
		}
	}
}

// A small space asked for many configurations gives its few points at
// once, whatever the number asked for.
func TestSampleExhaustsSmallSpacesQuickly(t *testing.T) {
	ts, err := Sample(Space{OneOf("a", 1, 2, 3), OneOf("b", "x", "y")}, MaxTrials, 1, nil)
	if err != nil || len(ts) != 6 {
		t.Errorf("%d configurations (%v), want the 6 of the space", len(ts), err)
	}
}

// Any arguments give an error or a plan whose rungs halve: each keeps
// what the next trains, the last keeps one, sizes fall by ⌊·/η⌋ and
// epochs never fall, within [min, max].
func FuzzPlan(f *testing.F) {
	f.Add(9, 3, 1, 9)
	f.Add(27, 3, 2, 100)
	f.Add(2, 2, 1, 1)
	f.Fuzz(func(t *testing.T, n, eta, minEpochs, maxEpochs int) {
		rungs, err := Plan(n, eta, minEpochs, maxEpochs)
		if err != nil {
			return
		}
		if len(rungs) == 0 || rungs[0].Size != n {
			t.Fatalf("Plan(%d, %d, %d, %d) = %v", n, eta, minEpochs, maxEpochs, rungs)
		}
		for i, r := range rungs {
			if r.Index != i || r.Size < 2 || r.Epochs < minEpochs || r.Epochs > maxEpochs {
				t.Fatalf("Plan(%d, %d, %d, %d): rung %+v", n, eta, minEpochs, maxEpochs, r)
			}
			if i+1 < len(rungs) {
				next := rungs[i+1]
				if next.Size != r.Size/eta || r.Keep != next.Size || next.Epochs < r.Epochs {
					t.Fatalf("Plan(%d, %d, %d, %d): rung %+v then %+v", n, eta, minEpochs, maxEpochs, r, next)
				}
			} else if r.Keep != 1 || r.Size/eta >= 2 {
				t.Fatalf("Plan(%d, %d, %d, %d): last rung %+v", n, eta, minEpochs, maxEpochs, r)
			}
		}
	})
}

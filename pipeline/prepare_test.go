package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/train"
)

// tinySchema declares the columns tinyCSV writes.
func tinySchema() *feature.Schema {
	return &feature.Schema{Name: "tiny", Fields: []feature.Field{
		{Name: "label", Type: feature.Label},
		{Name: "user", Type: feature.Categorical},
		{Name: "price", Type: feature.Numeric, Normalizer: feature.Standardize},
		{Name: "session", Type: feature.Group},
	}}
}

// tinyCSV writes n rows label,user,price,session whose user value tells
// the part the row was meant for: part p's rows take the values
// prefix[p]0 … prefix[p]4, so the values of one part never appear in
// another. price is the row's ordinal.
func tinyCSV(t *testing.T, path string, n int, part func(i int) int, prefix []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("label,user,price,session\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,%s%d,%d,s%d\n", i%2, prefix[part(i)], i%5, i, i%7)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// partsOf returns the part of each of n ordinals under a hash split.
func partsOf(t *testing.T, n int, ratios []float64, seed uint64) []int {
	t.Helper()
	h, err := data.NewHashSplit(ratios, seed)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]int, n)
	for i := range parts {
		parts[i] = h.Part(int64(i))
	}
	return parts
}

// prepare runs Prepare and closes the result at the end of the test.
func prepare(t *testing.T, cfg *Config, in Inputs) *Prepared {
	t.Helper()
	p, err := Prepare(context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// slotOf returns the index of the named slot in the encoded rows.
func slotOf(t *testing.T, enc *feature.Encoders, name string) int {
	t.Helper()
	i := slices.Index(enc.Slots(), name)
	if i < 0 {
		t.Fatalf("no slot %q in %v", name, enc.Slots())
	}
	return i
}

// userTable returns the embedding table of the user field.
func userTable(t *testing.T, enc *feature.Encoders) feature.Table {
	t.Helper()
	for _, tb := range enc.Tables() {
		if tb.Name == "user" {
			return tb
		}
	}
	t.Fatal("no table user")
	return feature.Table{}
}

// checkUserIDs checks the user id of every row of d: with inVocab, the
// vocabulary id of the row's own training value (tinyCSV's "tr" values);
// otherwise the OOV id, the value never having been fitted.
func checkUserIDs(t *testing.T, what string, d train.Data, enc *feature.Encoders, inVocab bool) {
	t.Helper()
	tb := userTable(t, enc)
	slot := slotOf(t, enc, "user")
	v := enc.Vocab("user")
	for i := range d.Len() {
		r := i
		if d.Rows != nil {
			r = int(d.Rows[i])
		}
		id := d.Set.IDs[r*d.Set.Slots+slot]
		switch {
		case inVocab && (id < tb.Offset+tb.OOV || id >= tb.Offset+tb.Size):
			t.Fatalf("%s row %d: user id %d outside the vocabulary ids [%d, %d)", what, r, id, tb.Offset+tb.OOV, tb.Offset+tb.Size)
		case inVocab:
			// The id is that of the row's own value.
			if want := fmt.Sprintf("tr%d", r%5); v.Tokens[id-tb.Offset-tb.OOV] != want {
				t.Fatalf("%s row %d: user id %d is token %q, want %q", what, r, id, v.Tokens[id-tb.Offset-tb.OOV], want)
			}
		case id != tb.Offset:
			t.Fatalf("%s row %d: user id %d, want the OOV id %d", what, r, id, tb.Offset)
		}
	}
}

// With only a training file, the 8:1:1 hash split partitions its rows,
// and the encoders are fitted on the training part alone: the vocabulary
// holds only training values, values seen only in validation or test rows
// encode as OOV, and the numeric statistics are the training rows'.
func TestPrepareSplitsAndFitsOnTrainingPart(t *testing.T) {
	dir := t.TempDir()
	const n, seed = 2000, 7
	parts := partsOf(t, n, defaultSplit, seed)
	path := filepath.Join(dir, "all.csv")
	tinyCSV(t, path, n, func(i int) int { return parts[i] }, []string{"tr", "va", "te"})
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	p := prepare(t, &cfg, Inputs{Data: "csv:" + path, CacheDir: filepath.Join(dir, "cache"), SplitSeed: seed})

	var want [3][]int32
	for i, part := range parts {
		want[part] = append(want[part], int32(i))
	}
	for k, d := range []train.Data{p.Train, p.Valid, p.Test} {
		if d.Set == nil || d.Set.Rows != n {
			t.Fatalf("part %d does not view the %d-row dataset", k, n)
		}
		if !slices.Equal(d.Rows, want[k]) {
			t.Errorf("part %d: %d rows, want the %d rows the hash split assigns", k, len(d.Rows), len(want[k]))
		}
	}
	// The parts are disjoint and cover every row; their sizes are near
	// 8:1:1.
	seen := make([]int, n)
	for _, d := range []train.Data{p.Train, p.Valid, p.Test} {
		for _, r := range d.Rows {
			seen[r]++
		}
	}
	for r, c := range seen {
		if c != 1 {
			t.Fatalf("row %d is in %d parts", r, c)
		}
	}
	if f := float64(p.Train.Len()) / n; f < 0.76 || f > 0.84 {
		t.Errorf("training fraction %.3f, want about 0.8", f)
	}
	if f := float64(p.Test.Len()) / n; f < 0.07 || f > 0.13 {
		t.Errorf("test fraction %.3f, want about 0.1", f)
	}

	v := p.Encoders.Vocab("user")
	got := slices.Clone(v.Tokens)
	slices.Sort(got)
	if w := []string{"tr0", "tr1", "tr2", "tr3", "tr4"}; !slices.Equal(got, w) {
		t.Errorf("user vocabulary %v, want only the training values %v", got, w)
	}
	checkUserIDs(t, "train", p.Train, p.Encoders, true)
	checkUserIDs(t, "valid", p.Valid, p.Encoders, false)
	checkUserIDs(t, "test", p.Test, p.Encoders, false)

	// price is the row's ordinal: its statistics are those of the
	// training ordinals, and it encodes as (x - mean) / std.
	var sum, sq float64
	for _, r := range want[0] {
		sum += float64(r)
	}
	mean := sum / float64(len(want[0]))
	for _, r := range want[0] {
		sq += (float64(r) - mean) * (float64(r) - mean)
	}
	std := math.Sqrt(sq / float64(len(want[0])))
	st, ok := p.Encoders.Stats("price")
	if !ok || st.Count != int64(len(want[0])) || math.Abs(st.Mean-mean) > 1e-9*mean || math.Abs(st.Std-std) > 1e-9*std {
		t.Errorf("price statistics %+v, want count %d mean %g std %g", st, len(want[0]), mean, std)
	}
	ps := slotOf(t, p.Encoders, "price")
	vals := make([]float32, p.Train.Set.Slots)
	for _, r := range []int{0, 999, n - 1} {
		p.Train.Set.ValueRow(r, vals)
		got := float64(vals[ps])
		if w := (float64(r) - mean) / std; math.Abs(got-w) > 1e-5*math.Max(1, math.Abs(w)) {
			t.Errorf("row %d: price encodes as %g, want %g", r, got, w)
		}
	}
	for i, y := range p.Train.Set.Label {
		if y != float32(i%2) {
			t.Fatalf("row %d: label %v, want %d", i, y, i%2)
		}
	}

	if p.Protocol != metric.ProtocolHoldout || !p.Grouped {
		t.Errorf("protocol %q grouped %v; want holdout, grouped (the schema has a group field)", p.Protocol, p.Grouped)
	}
	if !strings.Contains(p.Split, "8:1:1") || !strings.Contains(p.Split, "seed 7") {
		t.Errorf("split description %q", p.Split)
	}
	if len(p.Fingerprint) != 32 {
		t.Errorf("fingerprint %q", p.Fingerprint)
	}
}

// A configured ratio replaces 8:1:1; a ratio that is not three numbers is
// an error.
func TestPrepareCustomSplit(t *testing.T) {
	dir := t.TempDir()
	const n, seed = 1000, 3
	ratios := []float64{6, 2, 2}
	parts := partsOf(t, n, ratios, seed)
	path := filepath.Join(dir, "all.csv")
	tinyCSV(t, path, n, func(i int) int { return parts[i] }, []string{"tr", "va", "te"})
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	cfg.Data.Split = ratios
	p := prepare(t, &cfg, Inputs{Data: "csv:" + path, CacheDir: filepath.Join(dir, "cache"), SplitSeed: seed})
	for k, d := range []train.Data{p.Train, p.Valid, p.Test} {
		var want []int32
		for i, part := range parts {
			if part == k {
				want = append(want, int32(i))
			}
		}
		if !slices.Equal(d.Rows, want) {
			t.Errorf("part %d: %d rows, want %d", k, len(d.Rows), len(want))
		}
	}
	if f := float64(p.Train.Len()) / n; f < 0.55 || f > 0.65 {
		t.Errorf("training fraction %.3f, want about 0.6", f)
	}
	if !strings.Contains(p.Split, "6:2:2") {
		t.Errorf("split description %q", p.Split)
	}
	checkUserIDs(t, "valid", p.Valid, p.Encoders, false)

	for _, bad := range [][]float64{{8, 2}, {1, 1, 1, 1}} {
		cfg.Data.Split = bad
		if p, err := Prepare(context.Background(), &cfg, Inputs{Data: "csv:" + path, CacheDir: filepath.Join(dir, "cache")}); err == nil || !strings.Contains(err.Error(), "three ratios") {
			if p != nil {
				p.Close()
			}
			t.Errorf("split %v: %v, want an error asking for three ratios", bad, err)
		}
	}
}

// Given a test file alone, the training file is split 9:1 into training
// and validation rows and the test file is the test part, encoded with
// the training part's encoders. A validation file without a test file,
// no training file, and no schema are errors.
func TestPrepareSeparateTestFile(t *testing.T) {
	dir := t.TempDir()
	const n, seed = 1000, 11
	parts := partsOf(t, n, []float64{9, 1}, seed)
	trainPath, testPath := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	tinyCSV(t, trainPath, n, func(i int) int { return parts[i] }, []string{"tr", "va"})
	tinyCSV(t, testPath, 150, func(int) int { return 0 }, []string{"te"})
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	cfg.Data.Split = []float64{5, 4, 1} // ignored: the test part is given
	cache := filepath.Join(dir, "cache")
	p := prepare(t, &cfg, Inputs{Data: "csv:" + trainPath, Test: "csv:" + testPath, CacheDir: cache, SplitSeed: seed})
	for k, d := range []train.Data{p.Train, p.Valid} {
		var want []int32
		for i, part := range parts {
			if part == k {
				want = append(want, int32(i))
			}
		}
		if !slices.Equal(d.Rows, want) {
			t.Errorf("part %d: %d rows, want the %d of the 9:1 split", k, len(d.Rows), len(want))
		}
	}
	if f := float64(p.Valid.Len()) / n; f < 0.07 || f > 0.13 {
		t.Errorf("validation fraction %.3f, want about 0.1", f)
	}
	if p.Test.Rows != nil || p.Test.Len() != 150 || p.Test.Set == p.Train.Set {
		t.Errorf("test view: %d rows (Rows nil: %v), want the whole 150-row test file", p.Test.Len(), p.Test.Rows == nil)
	}
	checkUserIDs(t, "train", p.Train, p.Encoders, true)
	checkUserIDs(t, "valid", p.Valid, p.Encoders, false)
	checkUserIDs(t, "test", p.Test, p.Encoders, false)
	if !strings.Contains(p.Split, "test csv:"+testPath) || !strings.Contains(p.Split, "9:1") {
		t.Errorf("split description %q", p.Split)
	}

	for _, c := range []struct {
		cfg  *Config
		in   Inputs
		want string
	}{
		{&cfg, Inputs{Data: "csv:" + trainPath, Valid: "csv:" + testPath, CacheDir: cache}, "test"},
		{&cfg, Inputs{CacheDir: cache}, "no training data"},
		{&Config{Train: train.DefaultConfig()}, Inputs{Data: "csv:" + trainPath, CacheDir: cache}, "schema"},
		{&cfg, Inputs{Data: "csv:" + filepath.Join(dir, "absent.csv"), CacheDir: cache}, "absent.csv"},
	} {
		p, err := Prepare(context.Background(), c.cfg, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error mentioning %q", c.in, err, c.want)
		}
		if p != nil {
			p.Close()
			t.Errorf("%+v: a Prepared came back with the error", c.in)
		}
	}
}

// Given training, validation and test files, each is a whole view and no
// split is made.
func TestPrepareThreeFiles(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for k, name := range []string{"train", "valid", "test"} {
		path := filepath.Join(dir, name+".csv")
		tinyCSV(t, path, 100+50*k, func(int) int { return k }, []string{"tr", "va", "te"})
		paths = append(paths, "csv:"+path)
	}
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	p := prepare(t, &cfg, Inputs{Data: paths[0], Valid: paths[1], Test: paths[2], CacheDir: filepath.Join(dir, "cache")})
	for k, d := range []train.Data{p.Train, p.Valid, p.Test} {
		if d.Rows != nil || d.Len() != 100+50*k {
			t.Errorf("view %d: %d rows, want the whole file of %d", k, d.Len(), 100+50*k)
		}
	}
	checkUserIDs(t, "train", p.Train, p.Encoders, true)
	checkUserIDs(t, "valid", p.Valid, p.Encoders, false)
	checkUserIDs(t, "test", p.Test, p.Encoders, false)
}

// A second Prepare of the same inputs reuses the caches and the fitted
// encoders: the fingerprint is the same and no cache or encoder file is
// rewritten. A training file with a new modification time is other data:
// the fingerprint changes.
func TestPrepareReusesCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "all.csv")
	tinyCSV(t, path, 500, func(int) int { return 0 }, []string{"tr"})
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	cache := filepath.Join(dir, "cache")
	in := Inputs{Data: "csv:" + path, CacheDir: cache, SplitSeed: 1}

	listing := func() map[string]time.Time {
		entries, err := os.ReadDir(cache)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]time.Time{}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			m[e.Name()] = info.ModTime()
		}
		return m
	}
	first := prepare(t, &cfg, in)
	before := listing()
	exts := map[string]int{}
	for name := range before {
		exts[filepath.Ext(name)]++
	}
	if len(before) != 2 || exts[CacheExt] != 1 || exts[EncodersExt] != 1 {
		t.Fatalf("cache directory holds %v, want one cache and one fitted-encoder file", before)
	}
	// Any rewrite from here on would carry a later modification time.
	time.Sleep(20 * time.Millisecond)
	second := prepare(t, &cfg, in)
	if second.Fingerprint != first.Fingerprint {
		t.Errorf("fingerprints %s and %s of the same inputs", first.Fingerprint, second.Fingerprint)
	}
	after := listing()
	if len(after) != len(before) {
		t.Errorf("cache files %v, then %v", before, after)
	}
	for name, mt := range before {
		if !after[name].Equal(mt) {
			t.Errorf("cache %s rewritten (modified %v, then %v)", name, mt, after[name])
		}
	}
	if second.Train.Len() != first.Train.Len() || !slices.Equal(second.Train.Set.IDs, first.Train.Set.IDs) {
		t.Error("the reused cache holds other rows")
	}

	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	third := prepare(t, &cfg, in)
	if third.Fingerprint == first.Fingerprint {
		t.Error("a modified training file kept the fingerprint")
	}
}

// Under skip_bad, a record outside the training part whose value the
// encoders reject is skipped while building; the rows after it must still
// be split as the encoders were fitted, so that no validation or test
// value reaches the vocabulary's training rows.
func TestPrepareSkipBadKeepsSplitAligned(t *testing.T) {
	dir := t.TempDir()
	const n, seed = 400, 5
	parts := partsOf(t, n, defaultSplit, seed)
	bad := slices.Index(parts, 2) // the first test record
	var b strings.Builder
	b.WriteString("label,user,price,session\n")
	for i, part := range parts {
		price := fmt.Sprint(i)
		if i == bad {
			price = "abc"
		}
		fmt.Fprintf(&b, "%d,%s%d,%s,s%d\n", i%2, []string{"tr", "va", "te"}[part], i%5, price, i%7)
	}
	path := filepath.Join(dir, "all.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	cfg.Data.SkipBad = true
	p := prepare(t, &cfg, Inputs{Data: "csv:" + path, CacheDir: filepath.Join(dir, "cache"), SplitSeed: seed})
	if p.Skipped != 1 {
		t.Errorf("skipped %d records, want 1", p.Skipped)
	}
	// Every training row is a record the encoders were fitted on: its user
	// value is in the vocabulary.
	tb := userTable(t, p.Encoders)
	slot := slotOf(t, p.Encoders, "user")
	for _, r := range p.Train.Rows {
		if id := p.Train.Set.IDs[int(r)*p.Train.Set.Slots+slot]; id < tb.Offset+tb.OOV {
			t.Fatalf("training row %d has the OOV user id: a non-training record in the training part", r)
		}
	}
	if got, want := p.Train.Len(), len(parts)-len(slices.DeleteFunc(slices.Clone(parts), func(k int) bool { return k == 0 })); got != want {
		t.Errorf("%d training rows, want the %d training records", got, want)
	}
}

// Under skip_bad, every row goes to the part of its record's ordinal: the
// parts' rows, computed here from the lines alone, are those of a split
// by ordinal over the records left after the rejected ones, whether these
// come early, in a run or near the end (records 3, 4, 8, 22 and 592 here).
func TestPrepareSkipBadSplitsByOrdinal(t *testing.T) {
	dir := t.TempDir()
	const n, seed = 600, 5
	parts := partsOf(t, n, defaultSplit, seed)
	// Rejected: the first two records outside the training part, the
	// next two test records, and the last record outside it.
	var bad []int
	for i, part := range parts {
		if part != 0 && len(bad) < 2 || part == 2 && len(bad) < 4 {
			bad = append(bad, i)
		}
	}
	for i := n - 1; ; i-- {
		if parts[i] != 0 {
			if !slices.Contains(bad, i) {
				bad = append(bad, i)
			}
			break
		}
	}
	var b strings.Builder
	b.WriteString("label,user,price,session\n")
	want := make([][]int32, 3)
	row := int32(0)
	for i, part := range parts {
		price := fmt.Sprint(i)
		if slices.Contains(bad, i) {
			price = "abc"
		} else {
			want[part] = append(want[part], row)
			row++
		}
		fmt.Fprintf(&b, "%d,%s%d,%s,s%d\n", i%2, []string{"tr", "va", "te"}[part], i%5, price, i%7)
	}
	path := filepath.Join(dir, "all.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Schema = tinySchema()
	cfg.Data.SkipBad = true
	p := prepare(t, &cfg, Inputs{Data: "csv:" + path, CacheDir: filepath.Join(dir, "cache"), SplitSeed: seed})
	if p.Skipped != int64(len(bad)) {
		t.Errorf("skipped %d records, want the %d rejected (%v)", p.Skipped, len(bad), bad)
	}
	for k, got := range [][]int32{p.Train.Rows, p.Valid.Rows, p.Test.Rows} {
		if !slices.Equal(got, want[k]) {
			t.Errorf("part %d has rows %v, want %v", k, got, want[k])
		}
	}
}
